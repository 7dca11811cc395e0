import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { globMatch, matchesLabels, parseLabelSelector } from '../src/selector.ts';

const parse = suite('parseLabelSelector');
const pass = (text: string, expected: unknown) =>
  parse(`parses ${JSON.stringify(text)}`, () => assert.equal(parseLabelSelector(text), expected));
const fail = (text: string, message: string) =>
  parse(`refuses ${JSON.stringify(text)}`, () => assert.throws(() => parseLabelSelector(text), message));

pass('app=web', { matchLabels: { app: 'web' } });
pass('app==web,tier!=db', {
  matchLabels: { app: 'web' },
  matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
});
pass('tier in (a, b),env notin (dev)', {
  matchExpressions: [
    { key: 'tier', operator: 'In', values: ['a', 'b'] },
    { key: 'env', operator: 'NotIn', values: ['dev'] },
  ],
});
pass('example.com/role,!legacy', {
  matchExpressions: [
    { key: 'example.com/role', operator: 'Exists' },
    { key: 'legacy', operator: 'DoesNotExist' },
  ],
});
fail('app=web,', 'empty requirement');
fail('app=we b', 'cannot parse');
fail('a=1,a=2', 'two values');
fail('-bad=1', 'invalid label key');
parse.run();

const match = suite('matchesLabels');
match('empty selector matches everything', () => assert.ok(matchesLabels({}, {})));
match('every requirement must hold', () => {
  const sel = parseLabelSelector('app=web,tier in (a,b),!legacy');
  assert.ok(matchesLabels(sel, { app: 'web', tier: 'a' }));
  assert.not.ok(matchesLabels(sel, { app: 'web', tier: 'c' }));
  assert.not.ok(matchesLabels(sel, { app: 'web', tier: 'a', legacy: '' }));
  assert.not.ok(matchesLabels(sel, { tier: 'a' }));
});
match('NotIn matches when the key is absent', () =>
  assert.ok(matchesLabels(parseLabelSelector('env notin (dev)'), {})),
);
match.run();

const glob = suite('globMatch');
glob('* and ? with literal dots', () => {
  assert.ok(globMatch('team-*', 'team-blue'));
  assert.ok(globMatch('*', ''));
  assert.ok(globMatch('a?c', 'abc'));
  assert.not.ok(globMatch('a.c', 'abc'));
  assert.not.ok(globMatch('team-*', 'xteam-a'));
});
glob.run();

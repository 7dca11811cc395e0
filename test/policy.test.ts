import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../src/errors.ts';
import { defaultPolicy, loadPolicy } from '../src/policy.ts';
import { fieldPath } from '../src/schema.ts';
import { VERSION } from '../src/version.ts';

const load = suite('loadPolicy');

function problems(value: unknown): string[] {
  try {
    loadPolicy(value, 'p');
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

const base = { apiVersion: 'eksfit.dev/v1alpha1', kind: 'EksFitPolicy', metadata: { name: 'x' } };

load('no config gives the recommended preset', () => {
  const p = loadPolicy(undefined, 'p');
  assert.equal(
    p.rules.map((r) => r.name),
    defaultPolicy().rules.map((r) => r.name),
  );
  assert.is(p.preset, 'recommended');
});

load('preset none has only the user rules, with defaults filled', () => {
  const p = loadPolicy(
    { ...base, spec: { preset: 'none', rules: [{ name: 'a', ports: { strategy: 'remap' } }] } },
    'p',
  );
  assert.is(p.rules.length, 1);
  assert.equal(p.rules[0]!.ports, { avoid: [9100], strategy: 'remap', metricsPort: 'auto', remapTo: 'auto' });
  assert.is(p.rules[0]!.overwrite, false);
});

load('annotation values become strings', () => {
  const p = loadPolicy({ ...base, spec: { rules: [{ name: 'a', annotations: { n: 42, b: true } }] } }, 'p');
  assert.equal(p.rules.at(-1)!.annotations, { n: '42', b: 'true' });
});

load('timeouts: reject 0s, 2m, abc and out of range, each with its path', () => {
  const ps = problems({
    ...base,
    spec: {
      rules: [
        { name: 'a', ipvs: { udpTimeout: '0s', tcpTimeout: '2m' } },
        { name: 'b', ipvs: { udpTimeout: 'abc', tcpTimeout: '86401s' } },
      ],
    },
  });
  assert.is(ps.length, 4);
  assert.match(ps[0]!, /^spec\.rules\[0\]\.ipvs\.udpTimeout: must be whole seconds/);
  assert.match(ps[1]!, /^spec\.rules\[0\]\.ipvs\.tcpTimeout: must be whole seconds/);
  assert.match(ps[2]!, /^spec\.rules\[1\]\.ipvs\.udpTimeout: must be whole seconds/);
  assert.match(ps[3]!, /^spec\.rules\[1\]\.ipvs\.tcpTimeout: "86401s" is out of range/);
});

load('wrong apiVersion and kind, unknown fields, duplicate rule names', () => {
  const ps = problems({ apiVersion: 'v1', kind: 'Policy', spec: { rules: [{ name: 'a', colour: 1 }, { name: 'a' }] } });
  assert.ok(ps.includes('apiVersion: must be "eksfit.dev/v1alpha1"'));
  assert.ok(ps.includes('kind: must be "EksFitPolicy"'));
  assert.ok(ps.includes('spec.rules[0]: unknown field "colour"'));
  assert.ok(ps.includes('spec.rules[1].name: "a" is already the name of spec.rules[0]'));
});

load('ConfigMap function-input with flat keys', () => {
  const p = loadPolicy(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'function-input' },
      data: { labelSelector: 'app=web', udpTimeout: '120s', metricsPort: '9120' },
    },
    'fc',
  );
  const rule = p.rules.at(-1)!;
  assert.is(rule.name, 'function-input');
  assert.equal(rule.match.labelSelector, { matchLabels: { app: 'web' } });
  assert.equal(rule.ipvs, { udpTimeout: '120s' });
  assert.is(rule.ports?.metricsPort, 9120);
});

load('ConfigMap with unknown keys and bad values lists every problem', () => {
  const ps = problems({ kind: 'ConfigMap', data: { colour: 'x', udpTimeout: '5', preset: 'all' } });
  assert.is(ps.length, 3, ps.join('\n'));
});

load.run();

const misc = suite('schema and version');
misc('fieldPath turns JSON pointers into field paths', () => {
  assert.is(fieldPath('/spec/rules/0/annotations/a~1b'), 'spec.rules[0].annotations["a/b"]');
  assert.is(fieldPath(''), '(top level)');
});
misc('VERSION matches package.json', () => {
  assert.is(
    VERSION,
    (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
  );
});
misc.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatUnits,
  fromUnits,
  GIB,
  MAX_NANOS,
  NANO,
  parseQuantity,
  QuantityError,
  toUnits,
  tryParseQuantity,
} from '../src/quantity.ts';

const MI = 1n << 20n;

const parse = suite('parseQuantity');
const pass = (text: string | number, nanos: bigint, why = '') =>
  parse(`reads ${JSON.stringify(text)} as ${nanos} nano-units${why ? ` (${why})` : ''}`, () =>
    assert.is(parseQuantity(text), nanos),
  );
const fail = (text: string | number, message: string) =>
  parse(`refuses ${JSON.stringify(text)}`, () => {
    assert.throws(
      () => parseQuantity(text),
      (e: unknown) => e instanceof QuantityError && e.message.includes(message),
    );
  });

// CPU
pass('250m', 250_000_000n);
pass('1.5', 1_500_000_000n);
pass('2', 2n * NANO);
pass('0', 0n);
pass('100n', 100n);
pass('1u', 1000n);
pass('0.1', 100_000_000n, 'exact, no float drift');
pass(0.5, 500_000_000n, 'a YAML number');
pass(1e-7, 100n, 'a YAML number printed with an exponent');
pass('2e3', 2000n * NANO);
pass('1E3', 1000n * NANO);
pass('1e+3', 1000n * NANO);
pass('15e-1', 1_500_000_000n);
pass('+1', NANO);
pass('-1', -NANO, 'Kubernetes parses negatives; sizing refuses them');
// Memory
pass('512Mi', 512n * MI * NANO);
pass('1Gi', GIB * NANO);
pass('1.5Gi', (3n * GIB * NANO) / 2n);
pass('1G', 1_000_000_000n * NANO);
pass('1Ki', 1024n * NANO);
pass('1k', 1000n * NANO);
pass('1Ti', (1n << 40n) * NANO);
pass('1E', 10n ** 18n * NANO, 'E alone is exa, not an exponent');
pass('1Ei', (1n << 60n) * NANO);
pass('4096Mi', 4n * GIB * NANO);
// Kubernetes' lenient corners
pass('.5', 500_000_000n, 'no digits before the point');
pass('1.', NANO, 'no digits after the point');
pass('1.Gi', GIB * NANO);
pass('007', 7n * NANO, 'leading zeros');
pass('.', 0n, 'no digits at all reads as 0');
pass('-', 0n, 'a sign alone reads as 0');
pass('Mi', 0n, 'a suffix alone reads as 0');
// Rounding and the cap, as the API server does them
pass('1e-10', 1n, 'below a nano-unit: rounded up to one');
pass('1.0000000001', NANO + 1n, 'rounded up to the next nano-unit');
pass('-1e-10', -1n, 'rounded away from zero');
pass('1e100', MAX_NANOS, 'capped at 2^63-1 units');
pass('10000000000000000000000000000000000000000e-60', 1n, 'a long mantissa with a tiny exponent');
pass('100000000000000000000e-20', NANO, 'a long mantissa with a negative exponent, exact');

fail('', 'empty');
fail('1K', 'unknown suffix "K"');
fail('1e', 'unknown suffix "e"');
fail('1Ee3', 'unknown suffix');
fail('1ki', 'unknown suffix');
fail('1Gb', 'does not match');
fail('1 Gi', 'does not match');
fail(' 1', 'does not match');
fail('1.5.2', 'does not match');
fail('0x10', 'does not match');
fail('1e3.5', 'does not match');
fail('1Gi5', 'unknown suffix');
fail('--1', 'unknown suffix "-1"');
fail('1e99999999999999999999', 'exponent out of range');
fail(Infinity, 'not a finite number');
fail(NaN, 'not a finite number');
parse.run();

const tryParse = suite('tryParseQuantity');
tryParse('a quantity', () => assert.is(tryParseQuantity('1Gi'), GIB * NANO));
tryParse('a number', () => assert.is(tryParseQuantity(2), 2n * NANO));
tryParse('malformed', () => assert.is(tryParseQuantity('1K'), undefined));
tryParse('not a string or number', () => {
  assert.is(tryParseQuantity(null), undefined);
  assert.is(tryParseQuantity({}), undefined);
  assert.is(tryParseQuantity(true), undefined);
});
tryParse.run();

const from = suite('fromUnits');
from('cores', () => {
  assert.is(fromUnits(0.25), 250_000_000n);
  assert.is(fromUnits(16), 16n * NANO);
});
from('GiB', () => {
  assert.is(fromUnits(0.5, GIB * NANO), (GIB * NANO) / 2n);
  assert.is(fromUnits(64, GIB * NANO), 64n * GIB * NANO);
});
from('equals the parsed quantity at a table edge', () => {
  assert.is(fromUnits(0.5, GIB * NANO), parseQuantity('512Mi'));
  assert.is(fromUnits(0.25), parseQuantity('250m'));
});
from.run();

const format = suite('formatUnits');
format('cores', () => {
  assert.is(formatUnits(1_500_000_000n), '1.5');
  assert.is(formatUnits(2n * NANO), '2');
  assert.is(formatUnits(250_000_000n), '0.25');
  assert.is(formatUnits(-NANO), '-1');
});
format('rounds half up to the digits asked', () => {
  assert.is(formatUnits(parseQuantity('1G'), GIB * NANO), '0.93');
  assert.is(formatUnits(parseQuantity('1G'), GIB * NANO, 4), '0.9313');
  assert.is(formatUnits(1_005_000_000n), '1.01');
  assert.is(formatUnits(1n), '0');
});
format.run();

const to = suite('toUnits');
to('cores and GiB as numbers', () => {
  assert.is(toUnits(1_500_000_000n), 1.5);
  assert.is(toUnits(parseQuantity('512Mi'), GIB * NANO), 0.5);
  assert.is(toUnits(MAX_NANOS), 2 ** 63); // 9223372036854775807 as the nearest double
});
to.run();

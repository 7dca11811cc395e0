/**
 * Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1G`, `2e3`, `1Ki`,
 * `100n`), read exactly as the API server reads them and kept exact.
 *
 * A quantity is held as a `bigint` count of *nano-units* (1e-9 of the unit:
 * nano-cores for CPU, nano-bytes for memory). That is exact, not an
 * approximation: the API server rounds every non-zero quantity up (away from
 * zero) to a multiple of 1e-9 before anything else sees it, and caps its
 * magnitude at 2^63-1 units. So `0.1` + `0.2` is exactly `0.3`, and `1Gi` is
 * exactly 2^30 bytes, with no float drift at a spec table's boundaries.
 *
 * The grammar is Kubernetes' own scanner (apimachinery `resource.ParseQuantity`),
 * including its lenient corners: a number may have no digits before or after the
 * point (`.5`, `1.`), and a number with no digits at all reads as 0 (`.`, `-`,
 * `Mi`). Suffixes: decimal `n u m "" k M G T P E`, binary `Ki Mi Gi Ti Pi Ei`, or
 * a decimal exponent `e3`/`E-2`. Everything else (`1K`, `1e`, `1 Gi`, `1.5.2`,
 * `0x10`, `1Gb`) is refused, as the API server refuses it.
 */

/** One unit in nano-units. */
export const NANO = 1_000_000_000n;

/** One GiB in bytes. */
export const GIB = 1n << 30n;

/** The API server's cap on a quantity's magnitude: 2^63-1 units, in nano-units. */
export const MAX_NANOS = ((1n << 63n) - 1n) * NANO;

/** A quantity Kubernetes would refuse, with the text and why. */
export class QuantityError extends Error {
  /** The text that was refused. */
  readonly text: string;
  constructor(text: string, reason: string) {
    super(`invalid quantity ${JSON.stringify(text)}: ${reason}`);
    this.name = 'QuantityError';
    this.text = text;
  }
}

const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  '': 0,
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Ti: 40, Gi: 30, Pi: 50, Ei: 60 };
const SUFFIX_CHARS = 'eEinumkKMGTP';
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Parses a quantity into nano-units (see the module comment), exactly as the
 * API server would store it. A YAML number (`cpu: 0.5`) is read from its
 * shortest decimal form. Throws `QuantityError` for what Kubernetes refuses.
 *
 * @example parseQuantity('250m') === 250_000_000n; parseQuantity('1Ki') === 1024n * NANO
 */
export function parseQuantity(value: string | number): bigint {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new QuantityError(String(value), 'not a finite number');
  const str = String(value);
  // The same few quantities (`250m`, `512Mi`) recur in every workload: each is read once.
  const known = parsed.get(str);
  if (known !== undefined) return known;
  const nanos = parseText(str);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(str, nanos);
  return nanos;
}

/** Quantities read so far (text to nano-units); refused ones are not kept. */
const parsed = new Map<string, bigint>();
const PARSED_MAX = 4096;

function parseText(str: string): bigint {
  if (str === '') throw new QuantityError(str, 'empty');
  const end = str.length;
  let pos = 0;
  let negative = false;
  if (str[0] === '-') {
    negative = true;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  const numStart = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || '0';
  let denom = '';
  if (str[pos] === '.') {
    const start = ++pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos] as string)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < end) throw new QuantityError(str, 'does not match ^[+-]?[0-9.]+([eEinumkKMGTP]*[-+]?[0-9]*)$');
  const suffix = str.slice(suffixStart);

  // value = mantissa * 10^exp10 * 2^exp2, with the mantissa's digits as an integer
  const mantissa = BigInt(num + denom);
  let exp10 = -denom.length + 9; // in nano-units
  let exp2 = 0;
  const dec = DECIMAL_SUFFIXES[suffix];
  const bin = BINARY_SUFFIXES[suffix];
  if (dec !== undefined) exp10 += dec;
  else if (bin !== undefined) exp2 = bin;
  else if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const e = BigInt(suffix.slice(1));
    if (e < INT64_MIN || e > INT64_MAX) throw new QuantityError(str, 'exponent out of range');
    exp10 += Number(BigInt.asIntN(32, e)); // Kubernetes keeps the exponent as an int32
  } else throw new QuantityError(str, `unknown suffix ${JSON.stringify(suffix)}`);

  // The decimal magnitude of the value in nano-units (2^60 < 10^19), to skip huge powers of ten.
  const magnitude = exp10 + mantissa.toString().length - 1 + Math.ceil(exp2 * 0.302);
  let nanos: bigint;
  if (mantissa === 0n) nanos = 0n;
  else if (magnitude > 40) nanos = MAX_NANOS;
  else if (magnitude < -2)
    nanos = 1n; // below one nano-unit: rounded up to one
  else {
    const top = mantissa * (exp10 > 0 ? 10n ** BigInt(exp10) : 1n) * (1n << BigInt(exp2));
    const bottom = exp10 < 0 ? 10n ** BigInt(-exp10) : 1n;
    nanos = (top + bottom - 1n) / bottom; // rounded up to a whole nano-unit, as Kubernetes does
    if (nanos > MAX_NANOS) nanos = MAX_NANOS;
  }
  return negative ? -nanos : nanos;
}

/** Like `parseQuantity`, but `undefined` for a value Kubernetes refuses or that is neither a string nor a number. */
export function tryParseQuantity(value: unknown): bigint | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  try {
    return parseQuantity(value);
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
}

/** A number of units (a spec table's `0.25` cores, `0.5` GiB) in nano-units of `unit` (`NANO` for cores, `GIB * NANO` for GiB). Exact for values with at most 3 decimals. */
export function fromUnits(units: number, unit: bigint = NANO): bigint {
  // Spec tables ask for the same few values over and over: each is converted once.
  let known = converted.get(unit);
  if (known === undefined) converted.set(unit, (known = new Map<number, bigint>()));
  let nanos = known.get(units);
  if (nanos === undefined) {
    nanos = (BigInt(Math.round(units * 1000)) * unit) / 1000n;
    if (known.size >= PARSED_MAX) known.clear();
    known.set(units, nanos);
  }
  return nanos;
}

const converted = new Map<bigint, Map<number, bigint>>();

/**
 * Nano-units as a decimal number of `unit`, rounded half up to `digits`
 * decimals, trailing zeros dropped: `formatUnits(1_500_000_000n)` is `"1.5"`,
 * `formatUnits(parseQuantity('1G'), GIB * NANO)` is `"0.93"`. For messages.
 */
export function formatUnits(nanos: bigint, unit: bigint = NANO, digits = 2): string {
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const scale = 10n ** BigInt(digits);
  const scaled = (abs * scale * 2n + unit) / (unit * 2n);
  const whole = scaled / scale;
  const frac = (scaled % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${sign}${whole}${frac ? `.${frac}` : ''}`;
}

/** Nano-units as a JavaScript number of `unit` (nearest double; for ratios and display, never for comparisons). */
export function toUnits(nanos: bigint, unit: bigint = NANO): number {
  const whole = nanos / unit;
  return Number(whole) + Number(nanos - whole * unit) / Number(unit);
}

// Resource quantities ("500m", "1.5Gi", "1e3") with the parsing, rounding and canonical
// serialization of apimachinery's resource.Quantity. Amounts are kept exactly, as a count of
// nano-units (upstream rounds every parsed amount up to 1n), so no float rounding leaks in.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The amount in base units, as a float (exact up to 2^53). */
  value: number;
  format: QuantityFormat;
  /** The exact amount in units of 10^-9; present on quantities made by parseQuantity. */
  nanos?: bigint;
  /** The input, when upstream would keep it verbatim as the serialization. */
  verbatim?: string;
}

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const NUMERIC_ERROR = 'unable to parse numeric part of quantity';
const SUFFIX_ERROR = "unable to parse quantity's suffix";

const NANO = 1_000_000_000n;
const MAX_INT64 = 9_223_372_036_854_775_807n;

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_OF = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_SUFFIX_OF = new Map(Object.entries(BINARY_SUFFIXES).map(([s, e]) => [e / 10, s]));

interface Parts {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Upstream's hand-written scanner for `^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$`. */
function scan(str: string): Parts {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };

  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, num: str.slice(pos), denom: '', suffix: '' };
  const num = str.slice(pos, i) || '0';
  pos = i;

  let denom = '';
  if (str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, num, denom, suffix: '' };
    pos = i;
  }

  const suffixStart = pos;
  i = pos;
  while (i < end && 'eEinumkKMGTP'.includes(str[i])) i++;
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  pos = i;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  throw new Error(QUANTITY_FORMAT_ERROR);
}

function interpretSuffix(s: string): { base: 10 | 2; exponent: number; format: QuantityFormat } {
  if (Object.prototype.hasOwnProperty.call(DECIMAL_SUFFIXES, s)) return { base: 10, exponent: DECIMAL_SUFFIXES[s], format: 'DecimalSI' };
  if (Object.prototype.hasOwnProperty.call(BINARY_SUFFIXES, s)) return { base: 2, exponent: BINARY_SUFFIXES[s], format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E') && /^[+-]?[0-9]+$/.test(s.slice(1))) {
    return { base: 10, exponent: Number(s.slice(1)), format: 'DecimalExponent' };
  }
  throw new Error(SUFFIX_ERROR);
}

/** Ceiling of a/b for non-negative a and positive b. */
function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Integer division of a signed amount, rounding away from zero (upstream's RoundUp). */
function divAwayFromZero(a: bigint, b: bigint): bigint {
  return a < 0n ? -ceilDiv(-a, b) : ceilDiv(a, b);
}

function numberToQuantityString(n: number): string {
  if (!Number.isFinite(n)) throw new Error(QUANTITY_FORMAT_ERROR);
  return String(n);
}

/** resource.ParseQuantity. Throws an Error with upstream's message when malformed. */
export function parseQuantity(input: string | number): Quantity & { nanos: bigint } {
  const str = typeof input === 'number' ? numberToQuantityString(input) : input;
  if (str.length === 0) throw new Error(QUANTITY_FORMAT_ERROR);
  if (str === '0') return { value: 0, format: 'DecimalSI', nanos: 0n, verbatim: '0' };

  const { positive, num, denom, suffix } = scan(str);
  const { base, exponent, format: parsedFormat } = interpretSuffix(suffix);
  let format = parsedFormat;
  if (!/^[0-9]*$/.test(num + denom)) throw new Error(NUMERIC_ERROR);

  const digits = BigInt(num + denom);
  let magnitude: bigint;
  if (base === 10) {
    const shift = exponent - denom.length + 9;
    magnitude = shift >= 0 ? digits * 10n ** BigInt(shift) : ceilDiv(digits, 10n ** BigInt(-shift));
  } else {
    magnitude = ceilDiv(digits * 2n ** BigInt(exponent) * NANO, 10n ** BigInt(denom.length));
  }
  if (format === 'BinarySI' && magnitude > MAX_INT64 * NANO) magnitude = MAX_INT64 * NANO;
  if (format === 'BinarySI' && magnitude > 0n && magnitude < NANO) format = 'DecimalSI';
  const nanos = positive ? magnitude : -magnitude;

  const q: Quantity & { nanos: bigint } = { value: Number(nanos) / 1e9, format, nanos };
  if (keepsInputVerbatim(num, denom, base, exponent, format)) q.verbatim = str;
  return q;
}

/**
 * Upstream keeps the input string as the serialization when it parsed on its int64 fast path
 * and the input already looked canonical (see ParseQuantity); mirrored so "+1" or "1E3" print
 * back exactly as upstream prints them.
 */
function keepsInputVerbatim(num: string, denom: string, base: 10 | 2, exponent: number, format: QuantityFormat): boolean {
  if (base === 10) {
    if (18 - (num.length + denom.length) < 0) return false;
    const scale = exponent - denom.length;
    if (scale < -9) return false;
    const shifted = num + denom;
    return scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  }
  if (exponent < 0 || denom.length > 0) return false;
  if (15 - num.length - Math.trunc((exponent * 3) / 10) - 1 < 0) return false;
  const value = BigInt(num);
  if (value * 2n ** BigInt(exponent) > MAX_INT64) return false;
  return format === 'BinarySI' && exponent % 10 === 0 && (value & 7n) !== 0n;
}

export function isValidQuantity(s: string | number): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

type QuantityInput = Quantity | string | number;

// Parsing is exact (BigInt) and slow, and the same few strings ("100m", "64Mi") come with
// every pod that is validated, admitted or scheduled: their amounts are remembered
// (bounded; the memo starts over when full).
const NANOS_MEMO_LIMIT = 4096;
const nanosMemo = new Map<string | number, bigint>();

/** The amount in billionths (parseQuantity(q).nanos, remembered). Throws when malformed. */
export function quantityNanos(q: string | number): bigint {
  let n = nanosMemo.get(q);
  if (n === undefined) {
    n = parseQuantity(q).nanos;
    if (nanosMemo.size >= NANOS_MEMO_LIMIT) nanosMemo.clear();
    nanosMemo.set(q, n);
  }
  return n;
}

function nanosOf(q: QuantityInput): bigint {
  if (typeof q === 'string' || typeof q === 'number') return quantityNanos(q);
  if (q.nanos !== undefined) return q.nanos;
  return quantityNanos(q.value);
}

/** Quantity.MilliValue(): the amount in thousandths, rounded away from zero. */
export function milliValue(q: QuantityInput): number {
  return Number(divAwayFromZero(nanosOf(q), 1_000_000n));
}

/** Quantity.Value(): the amount in base units, rounded away from zero. */
export function intValue(q: QuantityInput): number {
  return Number(divAwayFromZero(nanosOf(q), NANO));
}

/** Quantity.String(): the canonical serialization. */
export function quantityToString(q: Quantity): string {
  if (q.verbatim !== undefined) return q.verbatim;
  return canonicalOf(nanosOf(q), q.format);
}

/** The canonical serialization of a quantity string: "1000m" → "1", "0.5" → "500m", "1.5Gi" → "1536Mi". */
export function canonicalQuantity(s: string | number): string {
  return quantityToString(parseQuantity(s));
}

/** Serializes an amount given in base units, as upstream prints a Quantity of that value and format. */
export function formatQuantity(value: number, format: QuantityFormat): string {
  return canonicalOf(parseQuantity(value).nanos, format);
}

function canonicalOf(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return '0';
  let fmt = format;
  if (fmt === 'BinarySI') {
    const kibi = 1024n * NANO;
    if ((nanos > -kibi && nanos < kibi) || nanos % NANO !== 0n) fmt = 'DecimalSI';
  }
  if (fmt === 'BinarySI') {
    let units = nanos / NANO;
    let power = 0;
    while (units % 1024n === 0n) {
      units /= 1024n;
      power++;
    }
    // Beyond Ei upstream finds no suffix and prints the bare number.
    return `${units}${BINARY_SUFFIX_OF.get(power) ?? ''}`;
  }
  let mantissa = nanos;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (fmt === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  // Beyond E upstream finds no suffix and prints the bare number.
  return `${mantissa}${DECIMAL_SUFFIX_OF.get(exponent) ?? ''}`;
}

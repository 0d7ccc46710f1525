// meta/v1 Time, MicroTime and Duration between their protobuf form (Timestamp seconds/nanos,
// int64 nanoseconds) and their JSON form (RFC 3339 strings, Go duration strings).

/** Go's zero time.Time (0001-01-01T00:00:00Z) as Unix seconds: JSON `null`. */
export const GO_ZERO_TIME_SECONDS = -62135596800;

function rfc3339Seconds(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // 2024-01-02T03:04:05.000Z
  return iso.slice(0, 19);
}

/** metav1.Time: RFC 3339 in UTC, whole seconds. */
export function timeToJSON(seconds: number, _nanos: number): string | null {
  if (seconds === GO_ZERO_TIME_SECONDS && _nanos === 0) return null;
  return `${rfc3339Seconds(seconds)}Z`;
}

/** metav1.MicroTime: RFC 3339 in UTC with six fractional digits. */
export function microTimeToJSON(seconds: number, nanos: number): string | null {
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return null;
  const micros = Math.floor(nanos / 1000)
    .toString()
    .padStart(6, '0');
  return `${rfc3339Seconds(seconds)}.${micros}Z`;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 string as Timestamp seconds and nanos. */
export function timeFromJSON(s: string): { seconds: number; nanos: number } {
  const m = RFC3339.exec(s);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new Error(`protobuf: invalid time ${JSON.stringify(s)}`);
  const nanos = m[2] ? Number(m[2].slice(0, 9).padEnd(9, '0')) : 0;
  return { seconds: Math.floor(ms / 1000), nanos };
}

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration string ("1h30m", "1.5s", "300ms") as nanoseconds. */
export function durationFromJSON(s: string): number {
  if (s === '0') return 0;
  const m = /^([-+]?)(.+)$/.exec(s)!;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  const body = m[2];
  while (i < body.length) {
    part.lastIndex = i;
    const p = part.exec(body);
    if (!p) throw new Error(`protobuf: invalid duration ${JSON.stringify(s)}`);
    total += Number(p[1]) * UNIT_NANOS[p[2]];
    i = part.lastIndex;
  }
  return Math.round(m[1] === '-' ? -total : total);
}

function fraction(value: number, digits: number): string {
  // value in units of 10^-digits; trailing zeros trimmed, as Go's Duration.String.
  const whole = Math.floor(value / 10 ** digits);
  const frac = (value % 10 ** digits).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Nanoseconds as Go's Duration.String(): "0s", "1.5s", "1m0s", "1h0m0s", "300ms". */
export function durationToJSON(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  const u = Math.abs(nanos);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${fraction(u, 3)}µs`;
  if (u < 1e9) return `${sign}${fraction(u, 6)}ms`;
  const h = Math.floor(u / 3600e9);
  const m = Math.floor((u % 3600e9) / 60e9);
  const s = fraction(u % 60e9, 9);
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

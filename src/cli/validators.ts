// Checks for flag values; each returns why a value is wrong (with an example of a right
// one) or undefined.

import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseCidr } from '../apiserver/auth/cidr.ts';

/** A TCP port; `zeroMeans` (e.g. "picks a free port") makes 0 acceptable and explains it. */
export function portNumber(zeroMeans?: string) {
  return (port: number): string | undefined => {
    if (port === 0 && zeroMeans) return undefined;
    if (port >= 1 && port <= 65535) return undefined;
    return zeroMeans ? `must be a port number from 0 to 65535 (0 ${zeroMeans})` : 'must be a port number from 1 to 65535';
  };
}

export function nonNegative(value: number): string | undefined {
  return value < 0 ? 'must be 0 or more' : undefined;
}

export function ipAddress(value: string): string | undefined {
  return isIP(value) ? undefined : 'must be an IP address (e.g. 0.0.0.0 for all interfaces, 127.0.0.1 for this machine only)';
}

export function cidr(value: string): string | undefined {
  try {
    const parsed = parseCidr(value);
    const hostBits = (parsed.family === 4 ? 32 : 128) - parsed.prefixLength;
    if (hostBits < 2) return 'the range must hold at least one usable address (e.g. 10.96.0.0/12)';
    return undefined;
  } catch (err) {
    return `${(err as Error).message} (e.g. 10.96.0.0/12)`;
  }
}

/** Upstream's port range syntax: `30000-32767`, `30000+2767`, or a single port. */
export function parsePortRange(value: string): { base: number; size: number } | undefined {
  const match = /^\s*(\d+)\s*(?:([-+])\s*(\d+))?\s*$/.exec(value);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = match[2] === '+' ? low + Number(match[3]) : match[2] === '-' ? Number(match[3]) : low;
  if (low < 1 || high > 65535 || high < low) return undefined;
  return { base: low, size: high - low + 1 };
}

export function portRange(value: string): string | undefined {
  return parsePortRange(value) ? undefined : 'must be a range of ports LOW-HIGH within 1-65535 (e.g. 30000-32767)';
}

export function positive(value: number): string | undefined {
  return value > 0 ? undefined : 'must be more than 0';
}

export function positiveDuration(ms: number): string | undefined {
  return ms > 0 ? undefined : 'must be longer than 0 (e.g. 5s)';
}

/** A share from 0 to 1, e.g. 0.55. */
export function fraction(value: number): string | undefined {
  return value >= 0 && value <= 1 ? undefined : 'must be from 0 to 1 (e.g. 0.55)';
}

/** A resource quantity such as 4, 500m, 32Gi or 1e3. */
export function quantity(value: string): string | undefined {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$/.test(value) ? undefined : 'must be a quantity (e.g. 4, 500m, 32Gi)';
}

/** An IPv4 range of at least /24, split into one /24 per node. */
export function podCidrRange(value: string): string | undefined {
  const problem = cidr(value);
  if (problem) return problem;
  const parsed = parseCidr(value);
  return parsed.family === 4 && parsed.prefixLength <= 24 ? undefined : 'must be an IPv4 range of /24 or wider (e.g. 10.128.0.0/9)';
}

export function existingFile(path: string): string | undefined {
  return path === '' || existsSync(path) ? undefined : 'no such file';
}

// /healthz, /livez, /readyz: named checks, `?verbose` detail, `/readyz/<check>` for one.

export type HealthCheck = { name: string; check: () => Promise<void> | void };

export async function runHealth(
  checks: HealthCheck[],
  kind: 'healthz' | 'livez' | 'readyz',
  subpath: string,
  verbose: boolean,
  exclude: string[],
): Promise<{ code: number; body: string }> {
  const selected = subpath ? checks.filter((c) => c.name === subpath) : checks.filter((c) => !exclude.includes(c.name));
  if (subpath && selected.length === 0) return { code: 404, body: `404 page not found: no check named ${subpath}\n` };
  const lines: string[] = [];
  let failed = false;
  for (const c of selected) {
    try {
      await c.check();
      lines.push(`[+]${c.name} ok`);
    } catch (e) {
      failed = true;
      lines.push(`[-]${c.name} failed: ${verbose ? (e as Error).message : 'reason withheld'}`);
    }
  }
  if (subpath) return { code: failed ? 500 : 200, body: failed ? `${lines[0]}\n` : 'ok' };
  if (!verbose && !failed) return { code: 200, body: 'ok' };
  const tail = failed ? `${kind} check failed` : `${kind} check passed`;
  return { code: failed ? 500 : 200, body: `${lines.join('\n')}\n${tail}\n` };
}

// The JSONPath subset CRDs use for printer columns and scale paths: `.spec.replicas`,
// `.status.conditions[0].type`, `.metadata.labels['app.kubernetes.io/name']`, optionally
// wrapped in `{…}`.

export type PathSegment = string | number;

/** Parses a simple JSONPath into segments, or undefined if it is beyond the supported subset. */
export function parseSimpleJsonPath(path: string): PathSegment[] | undefined {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1).trim();
  if (p.startsWith('$')) p = p.slice(1);
  const out: PathSegment[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^\.([A-Za-z0-9_\-$]+)/.exec(p.slice(i));
      if (!m) return undefined;
      out.push(m[1]);
      i += m[0].length;
    } else if (p[i] === '[') {
      const m = /^\[(?:(\d+)|'([^']*)'|"([^"]*)")\]/.exec(p.slice(i));
      if (!m) return undefined;
      out.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3]));
      i += m[0].length;
    } else {
      return undefined;
    }
  }
  return out;
}

export function getAtPath(obj: unknown, segments: PathSegment[]): unknown {
  let v: any = obj;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[s];
  }
  return v;
}

// core/v1 Event ↔ events.k8s.io/v1 Event. Upstream keeps one Event in storage and serves
// events.k8s.io/v1 as another view of it; these two functions are that view. Every field
// has exactly one counterpart, so a round trip keeps the object (bar the fallback below).

/** events.k8s.io/v1 field → core/v1 field (the rest keep their names). */
const RENAMED: [string, string][] = [
  ['note', 'message'],
  ['regarding', 'involvedObject'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedCount', 'count'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
];

function renamed(obj: any, pairs: [string, string][]): any {
  const out: any = {};
  const byName = new Map(pairs);
  for (const [k, v] of Object.entries(obj)) out[byName.get(k) ?? k] = v;
  return out;
}

/** An events.k8s.io/v1 Event as the core/v1 Event it is stored as. */
export function eventV1ToCore(ev: any): any {
  const core = renamed(ev, RENAMED);
  core.apiVersion = 'v1';
  core.kind = 'Event';
  return core;
}

/**
 * A core/v1 Event as events.k8s.io/v1 shows it. Events written by older clients have only
 * `source`; their reporting controller and instance are read from it, so they still show
 * (and validate) through the new API.
 */
export function coreEventToV1(core: any): any {
  const ev = renamed(
    core,
    RENAMED.map(([v1, c]) => [c, v1]),
  );
  ev.apiVersion = 'events.k8s.io/v1';
  ev.kind = 'Event';
  if (!ev.reportingController && core.source?.component) ev.reportingController = core.source.component;
  if (!ev.reportingInstance && core.source?.host) ev.reportingInstance = core.source.host;
  return ev;
}

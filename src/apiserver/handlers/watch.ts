// Watch: newline-delimited JSON events served from the watch cache. Headers are flushed at
// once (kubectl wait depends on it); selectors turn objects entering or leaving the
// selection into ADDED / DELETED, as upstream's cacher does.

import type { ApiRequest } from './api-request.ts';
import { buildSelection, selects } from '../registry/selection.ts';
import { TooOldResourceVersion, type CacheEvent } from '../watch-cache.ts';
import { parseResourceVersion } from '../registry/generic-store.ts';
import { parseIncludeObject, partialObjectMetadata, toTable } from '../table.ts';
import { isTrue } from '../request-info.ts';
import { StatusError } from '../../api/errors.ts';

const BOOKMARK_INTERVAL_MS = 10_000;
const MAX_TIMEOUT_SECONDS = 1800;
/** A watcher this far behind (bytes not yet taken by the socket) is dropped; it re-watches. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

export async function handleWatch(r: ApiRequest): Promise<void> {
  const q = r.query;
  const selection = buildSelection(r.def, q.get('labelSelector'), q.get('fieldSelector'));
  const namespace = r.def.namespaced ? r.info.namespace : '';
  if (r.info.name) selection.name = r.info.name;
  const rvText = q.get('resourceVersion') ?? '';
  const sendInitial = q.get('sendInitialEvents');
  const bookmarks = isTrue(q.get('allowWatchBookmarks'));
  let timeoutSeconds = Number(q.get('timeoutSeconds') ?? MAX_TIMEOUT_SECONDS);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) timeoutSeconds = MAX_TIMEOUT_SECONDS;
  timeoutSeconds = Math.min(timeoutSeconds, MAX_TIMEOUT_SECONDS);

  const cache = r.store.cache;
  await cache.ready();
  let fromRev: number | undefined;
  if (sendInitial === 'true') fromRev = undefined;
  else if (rvText === '' || rvText === '0') fromRev = undefined;
  else fromRev = parseResourceVersion(rvText);
  // With an explicit revision newer than the cache, wait briefly for the cache to catch up.
  if (fromRev !== undefined && fromRev > cache.rev) await cache.waitForRevision(fromRev, 3000);

  const shape = r.negotiated.shape;
  const include = parseIncludeObject(q.get('includeObject'));
  let tableHeaderSent = false;
  const render = (obj: any, json?: () => string): string => {
    if (shape === 'table') {
      const t = toTable(r.def, [obj], { include, version: r.negotiated.tableVersion, noHeaders: tableHeaderSent });
      tableHeaderSent = true;
      return JSON.stringify(t);
    }
    if (shape === 'partial-metadata') return JSON.stringify(partialObjectMetadata(obj, r.negotiated.tableVersion));
    return json ? json() : JSON.stringify(obj);
  };

  const res = r.res;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  // HTTP/1.1 sends headers now; an HTTP/2 stream responds on writeHead already.
  (res as { flushHeaders?: () => void }).flushHeaders?.();

  // Bytes written but not yet taken by the socket (HTTP/1.1) or the HTTP/2 stream.
  const pending = () => (res as any).stream?.writableLength ?? res.writableLength ?? 0;
  let lastRev = fromRev ?? cache.rev;
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    unsubscribe?.();
    clearTimeout(timer);
    clearInterval(bookmarkTimer);
    res.end();
  };
  const write = (type: string, body: string) => {
    if (closed) return;
    res.write(`{"type":"${type}","object":${body}}\n`);
    if (pending() > MAX_PENDING_BYTES) finish();
  };
  const bookmark = (initialEventsEnd = false) => {
    const metadata: any = { resourceVersion: String(lastRev) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    write('BOOKMARK', JSON.stringify({ kind: r.def.kind, apiVersion: r.def.group ? `${r.def.group}/${r.def.version}` : r.def.version, metadata }));
  };

  const inScope = (obj: any) => !namespace || obj?.metadata?.namespace === namespace;
  const onEvents = (events: CacheEvent[]) => {
    let out = '';
    for (const ev of events) {
      lastRev = Math.max(lastRev, ev.rev);
      const cur = ev.entry.obj;
      if (!inScope(cur)) continue;
      const now = selects(selection, cur);
      const before = ev.prev ? selects(selection, ev.prev.obj) : false;
      let type: string | undefined;
      if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
      else if (ev.type === 'MODIFIED') type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
      else type = before || now ? 'DELETED' : undefined;
      if (!type) continue;
      out += `{"type":"${type}","object":${render(cur, ev.entry.json)}}\n`;
    }
    if (out && !closed) {
      res.write(out);
      if (pending() > MAX_PENDING_BYTES) finish();
    }
  };

  try {
    unsubscribe = cache.watch(
      fromRev,
      {
        events: onEvents,
        close: () => finish(),
      },
      namespace || undefined,
    );
  } catch (e) {
    if (e instanceof TooOldResourceVersion) {
      const err = new StatusError(410, 'Expired', e.message);
      write('ERROR', JSON.stringify(err.toStatus()));
      finish();
      return;
    }
    throw e;
  }
  if (sendInitial === 'true') bookmark(true);

  const timer = setTimeout(finish, timeoutSeconds * 1000);
  const bookmarkTimer = setInterval(() => {
    if (bookmarks) bookmark();
  }, BOOKMARK_INTERVAL_MS);
  bookmarkTimer.unref();
  r.req.on('close', finish);
  res.on('close', finish);
}

// A small in-memory API server that speaks Kubernetes' REST protocol closely enough for the
// client to be tested against it: paths, verbs, resourceVersions from one global revision,
// paged lists with continue tokens, watches from a resourceVersion (410 Expired when
// compacted), bookmarks, Status errors. The real API server must behave the same way.

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { StatusError, alreadyExists, badRequest, conflict, notFound, OBJECT_MODIFIED } from '../../../src/api/errors.ts';
import { resources } from '../../../src/client/resources.ts';

type Obj = { apiVersion?: string; kind?: string; metadata: Record<string, any>; [k: string]: any };
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface LogEntry {
  rev: number;
  type: EventType;
  gr: string;
  key: string;
  obj: Obj;
  prev?: Obj;
}

interface ResourceId {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

interface OpenWatch {
  gr: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  bookmarks: boolean;
  res: http.ServerResponse;
  apiVersion: string;
  kind: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface InjectedFailure {
  method?: string;
  /** Substring of the request URL (path and query). */
  urlIncludes?: string;
  code: number;
  /** A Status body is sent unless raw is given. */
  reason?: string;
  message?: string;
  raw?: string;
  retryAfterSeconds?: number;
  times?: number;
}

const WITH_STATUS_SUBRESOURCE = new Set([
  'pods', 'nodes', 'services', 'namespaces', 'replicationcontrollers', 'persistentvolumes', 'persistentvolumeclaims',
  'resourcequotas', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'poddisruptionbudgets',
]);

export class FakeApiServer {
  url = '';
  revision = 1;
  compactedRevision = 0;
  readonly requests: RecordedRequest[] = [];
  private readonly log: LogEntry[] = [];
  private readonly objects = new Map<string, Obj>(); // `${gr}|${key}`
  private readonly watches = new Set<OpenWatch>();
  private readonly failures: InjectedFailure[] = [];
  private readonly server: http.Server;

  private constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<FakeApiServer> {
    const s = new FakeApiServer();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    return s;
  }

  async close(): Promise<void> {
    this.closeWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Forget history up to now: watches and lists from an older resourceVersion get 410 Expired. */
  compact(): void {
    this.compactedRevision = this.revision;
  }

  /** Ends every open watch, as an API server restart or timeout would. */
  closeWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  /** Sends ERROR 410 Expired to every open watch and ends it (the watch cache fell behind). */
  expireWatches(): void {
    for (const w of this.watches) {
      w.res.end(JSON.stringify({ type: 'ERROR', object: expired(`too old resource version: ${this.compactedRevision} (${this.revision})`).toStatus() }) + '\n');
    }
    this.watches.clear();
  }

  /** A BOOKMARK at the current revision to every watch that allowed bookmarks. */
  sendBookmarks(): void {
    for (const w of this.watches) {
      if (!w.bookmarks) continue;
      this.write(w, 'BOOKMARK', { apiVersion: w.apiVersion, kind: w.kind, metadata: { resourceVersion: String(this.revision) } });
    }
  }

  get openWatches(): number {
    return this.watches.size;
  }

  injectFailure(f: InjectedFailure): void {
    this.failures.push({ times: 1, ...f });
  }

  /** Server-side write helpers for seeding and for changes "made by someone else". */
  put(res: { group: string; resource: string }, obj: Obj): Obj {
    const gr = grOf(res.group, res.resource);
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const prev = this.objects.get(`${gr}|${key}`);
    const next = structuredClone(obj);
    next.metadata.uid = prev?.metadata.uid ?? next.metadata.uid ?? randomUUID();
    next.metadata.creationTimestamp = prev?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return this.commit(prev ? 'MODIFIED' : 'ADDED', gr, key, next, prev);
  }

  remove(res: { group: string; resource: string }, namespace: string | undefined, name: string): void {
    const gr = grOf(res.group, res.resource);
    const key = keyOf(namespace, name);
    const prev = this.objects.get(`${gr}|${key}`);
    if (!prev) throw new Error(`no ${gr} ${key}`);
    this.commit('DELETED', gr, key, structuredClone(prev), prev);
  }

  private commit(type: EventType, gr: string, key: string, obj: Obj, prev?: Obj): Obj {
    this.revision++;
    obj.metadata.resourceVersion = String(this.revision);
    if (type === 'DELETED') this.objects.delete(`${gr}|${key}`);
    else this.objects.set(`${gr}|${key}`, obj);
    const entry: LogEntry = { rev: this.revision, type, gr, key, obj, prev };
    this.log.push(entry);
    for (const w of this.watches) this.deliver(w, entry);
    return structuredClone(obj);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: bodyText });
    try {
      const failure = this.failures.find(
        (f) => (!f.method || f.method === req.method) && (!f.urlIncludes || (req.url ?? '').includes(f.urlIncludes)),
      );
      if (failure) {
        failure.times = (failure.times ?? 1) - 1;
        if (failure.times <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
        const headers: Record<string, string> = {};
        if (failure.retryAfterSeconds !== undefined) headers['Retry-After'] = String(failure.retryAfterSeconds);
        if (failure.raw !== undefined) {
          res.writeHead(failure.code, { ...headers, 'Content-Type': 'text/plain' }).end(failure.raw);
        } else {
          const err = new StatusError(failure.code, (failure.reason ?? 'InternalError') as any, failure.message ?? 'injected failure');
          res.writeHead(failure.code, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(err.toStatus()));
        }
        return;
      }
      const id = parsePath(url.pathname);
      if (!id) throw notFoundPath();
      const body = bodyText ? JSON.parse(bodyText) : undefined;
      await this.route(req.method ?? 'GET', id, url.searchParams, body, req.headers['content-type'] ?? '', res);
    } catch (err) {
      const se = err instanceof StatusError ? err : new StatusError(500, 'InternalError', String(err));
      if (!res.headersSent) res.writeHead(se.code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(se.toStatus()));
    }
  }

  private async route(
    method: string,
    id: ResourceId,
    q: URLSearchParams,
    body: any,
    contentType: string,
    res: http.ServerResponse,
  ): Promise<void> {
    const gr = grOf(id.group, id.resource);
    const grRef = { group: id.group, resource: id.resource };
    const info = infoOf(id.group, id.resource);
    const apiVersion = id.group ? `${id.group}/${id.version}` : id.version;
    const send = (code: number, obj: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(obj));
    };

    if (id.name === undefined) {
      if (method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1')) return this.serveWatch(id, q, res, apiVersion, info.kind);
      if (method === 'GET') return send(200, this.list(id, q, apiVersion, info.kind));
      if (method === 'POST') {
        if (!body?.metadata) throw badRequest('Object has no metadata');
        if (id.namespace && body.metadata.namespace && body.metadata.namespace !== id.namespace) {
          throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        const obj: Obj = structuredClone(body);
        if (id.namespace) obj.metadata.namespace = id.namespace;
        if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomUUID().slice(0, 5);
        if (!obj.metadata.name) throw invalidName(info.kind, id.group);
        const key = keyOf(id.namespace, obj.metadata.name);
        if (this.objects.has(`${gr}|${key}`)) throw alreadyExists(grRef, obj.metadata.name);
        obj.apiVersion = apiVersion;
        obj.kind = info.kind;
        obj.metadata.uid = randomUUID();
        obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        obj.metadata.generation = 1;
        delete obj.metadata.resourceVersion;
        return send(201, this.commit('ADDED', gr, key, obj));
      }
      if (method === 'DELETE') {
        const items = this.currentItems(gr, id.namespace, q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '');
        const deleted = items.map((o) => this.deleteOne(gr, grRef, o, body));
        return send(200, { apiVersion, kind: `${info.kind}List`, metadata: { resourceVersion: String(this.revision) }, items: deleted });
      }
      throw methodNotAllowed(method);
    }

    const key = keyOf(id.namespace, id.name);
    const current = this.objects.get(`${gr}|${key}`);
    if (id.subresource && id.subresource !== 'status') throw notFoundPath();
    switch (method) {
      case 'GET':
        if (!current) throw notFound(grRef, id.name);
        return send(200, current);
      case 'PUT': {
        if (!current) throw notFound(grRef, id.name);
        if (body?.metadata?.name !== id.name) throw badRequest('the name of the object does not match the name on the URL');
        const rv = body.metadata.resourceVersion;
        if (rv && rv !== current.metadata.resourceVersion) throw conflict(grRef, id.name, OBJECT_MODIFIED);
        return send(200, this.commit('MODIFIED', gr, key, this.merged(id, current, body), current));
      }
      case 'PATCH': {
        const type = contentType.split(';')[0].trim();
        if (!current && type !== 'application/apply-patch+yaml') throw notFound(grRef, id.name);
        let next: Obj;
        if (type === 'application/json-patch+json') next = applyJsonPatch(current!, body);
        // Strategic merge patch is served as a JSON merge patch here; the real server knows the merge keys.
        else if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json' || type === 'application/apply-patch+yaml') {
          if (!q.get('fieldManager') && type === 'application/apply-patch+yaml') throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
          next = mergePatch(current ? structuredClone(current) : { apiVersion, kind: info.kind, metadata: {} }, body) as Obj;
        } else {
          throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
        }
        const rv = body?.metadata?.resourceVersion;
        if (current && rv && rv !== current.metadata.resourceVersion) throw conflict(grRef, id.name, OBJECT_MODIFIED);
        if (!current) {
          next.metadata.name = id.name;
          if (id.namespace) next.metadata.namespace = id.namespace;
          next.metadata.uid = randomUUID();
          next.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          next.metadata.generation = 1;
          return send(201, this.commit('ADDED', gr, key, next));
        }
        return send(200, this.commit('MODIFIED', gr, key, this.merged(id, current, next), current));
      }
      case 'DELETE':
        if (!current) throw notFound(grRef, id.name);
        return send(200, this.deleteOne(gr, grRef, current, body));
      default:
        throw methodNotAllowed(method);
    }
  }

  /** The stored object after a write through the main endpoint or /status. */
  private merged(id: ResourceId, current: Obj, incoming: Obj): Obj {
    const next: Obj = structuredClone(incoming);
    const keep = ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp'];
    for (const k of keep) {
      if (current.metadata[k] !== undefined) next.metadata[k] = current.metadata[k];
      else delete next.metadata[k];
    }
    next.metadata.name = current.metadata.name;
    if (current.metadata.namespace) next.metadata.namespace = current.metadata.namespace;
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    if (id.subresource === 'status') {
      const onlyStatus = structuredClone(current);
      onlyStatus.status = next.status;
      return onlyStatus;
    }
    if (WITH_STATUS_SUBRESOURCE.has(id.resource)) {
      if (current.status === undefined) delete next.status;
      else next.status = structuredClone(current.status);
    }
    const specOf = (o: Obj) => JSON.stringify({ ...o, metadata: undefined, status: undefined });
    if (specOf(next) !== specOf(current)) next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    return next;
  }

  private deleteOne(gr: string, grRef: { group: string; resource: string }, current: Obj, opts: any): Obj {
    const name = current.metadata.name;
    const pre = opts?.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw conflict(grRef, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(grRef, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    const key = keyOf(current.metadata.namespace, name);
    if ((current.metadata.finalizers ?? []).length > 0 && opts?.propagationPolicy !== 'Orphan') {
      if (current.metadata.deletionTimestamp) return structuredClone(current);
      const next = structuredClone(current);
      next.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      next.metadata.deletionGracePeriodSeconds = 0;
      return this.commit('MODIFIED', gr, key, next, current);
    }
    return this.commit('DELETED', gr, key, structuredClone(current), current);
  }

  private currentItems(gr: string, namespace: string | undefined, labelSelector: string, fieldSelector: string): Obj[] {
    const items: Obj[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(`${gr}|`)) continue;
      if (matches(o, namespace, labelSelector, fieldSelector)) items.push(o);
    }
    return items.sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name).localeCompare(keyOf(b.metadata.namespace, b.metadata.name)));
  }

  private itemsAt(gr: string, rev: number, namespace: string | undefined, labelSelector: string, fieldSelector: string): Obj[] {
    const state = new Map<string, Obj>();
    for (const e of this.log) {
      if (e.rev > rev) break;
      if (e.gr !== gr) continue;
      if (e.type === 'DELETED') state.delete(e.key);
      else state.set(e.key, e.obj);
    }
    return [...state.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, o]) => o)
      .filter((o) => matches(o, namespace, labelSelector, fieldSelector));
  }

  private list(id: ResourceId, q: URLSearchParams, apiVersion: string, kind: string): unknown {
    const gr = grOf(id.group, id.resource);
    const rvParam = q.get('resourceVersion') ?? '';
    const match = q.get('resourceVersionMatch') ?? '';
    const cont = q.get('continue') ?? '';
    const limit = Number(q.get('limit') ?? '0') || 0;
    const labelSelector = q.get('labelSelector') ?? '';
    const fieldSelector = q.get('fieldSelector') ?? '';
    let atRev = this.revision;
    let startAfter = '';
    if (cont) {
      if (rvParam) throw badRequest('specifying resource version is not allowed when using continue');
      let token: { rv: number; start: string };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64').toString('utf8'));
      } catch {
        throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
      }
      if (token.rv < this.compactedRevision) {
        throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      atRev = token.rv;
      startAfter = token.start;
    } else if (rvParam && rvParam !== '0') {
      const n = Number(rvParam);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version "${rvParam}"`);
      if (match === 'Exact') {
        if (n < this.compactedRevision) throw expired(`too old resource version: ${n} (${this.compactedRevision + 1})`);
        if (n > this.revision) throw new StatusError(504, 'Timeout', `Too large resource version: ${n}, current: ${this.revision}`);
        atRev = n;
      } else if (n > this.revision) {
        throw new StatusError(504, 'Timeout', `Too large resource version: ${n}, current: ${this.revision}`);
      }
    }
    let items = this.itemsAt(gr, atRev, id.namespace, labelSelector, fieldSelector);
    if (startAfter) items = items.filter((o) => keyOf(o.metadata.namespace, o.metadata.name) > startAfter);
    const metadata: Record<string, unknown> = { resourceVersion: String(atRev) };
    // Like the watch cache, resourceVersion=0 answers everything at once.
    if (limit > 0 && rvParam !== '0' && items.length > limit) {
      const last = items[limit - 1];
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
      metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: atRev, start: keyOf(last.metadata.namespace, last.metadata.name) })).toString('base64');
    }
    return { apiVersion, kind: `${kind}List`, metadata, items };
  }

  private serveWatch(id: ResourceId, q: URLSearchParams, res: http.ServerResponse, apiVersion: string, kind: string): void {
    const gr = grOf(id.group, id.resource);
    const w: OpenWatch = {
      gr,
      namespace: id.namespace,
      labelSelector: q.get('labelSelector') ?? '',
      fieldSelector: q.get('fieldSelector') ?? '',
      bookmarks: q.get('allowWatchBookmarks') === 'true',
      res,
      apiVersion,
      kind,
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam === '' || rvParam === '0') {
      for (const o of this.currentItems(gr, id.namespace, w.labelSelector!, w.fieldSelector!)) this.write(w, 'ADDED', o);
    } else {
      const from = Number(rvParam);
      if (!Number.isInteger(from) || from < this.compactedRevision) {
        res.end(JSON.stringify({ type: 'ERROR', object: expired(`too old resource version: ${rvParam} (${this.compactedRevision})`).toStatus() }) + '\n');
        return;
      }
      for (const e of this.log) if (e.rev > from) this.deliver(w, e);
    }
    this.watches.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      this.watches.delete(w);
    });
  }

  private deliver(w: OpenWatch, e: LogEntry): void {
    if (e.gr !== w.gr) return;
    const now = e.type !== 'DELETED' && matches(e.obj, w.namespace, w.labelSelector!, w.fieldSelector!);
    const before = e.prev !== undefined && matches(e.prev, w.namespace, w.labelSelector!, w.fieldSelector!);
    if (e.type === 'DELETED') {
      if (before) this.write(w, 'DELETED', e.obj);
    } else if (now && before) this.write(w, 'MODIFIED', e.obj);
    else if (now) this.write(w, 'ADDED', e.obj);
    else if (before) this.write(w, 'DELETED', e.obj);
  }

  private write(w: OpenWatch, type: string, object: unknown): void {
    if (!w.res.writableEnded) w.res.write(JSON.stringify({ type, object }) + '\n');
  }
}

function grOf(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function infoOf(group: string, resource: string): { kind: string; namespaced: boolean } {
  const known = Object.values(resources).find((r) => r.group === group && r.resource === resource);
  if (known) return known;
  const singular = resource.replace(/s$/, '');
  return { kind: singular.charAt(0).toUpperCase() + singular.slice(1), namespaced: true };
}

function parsePath(pathname: string): ResourceId | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (rest.length > 3) return undefined;
  return { group, version, resource, namespace, name, subresource };
}

function matches(o: Obj, namespace: string | undefined, labelSelector: string, fieldSelector: string): boolean {
  if (namespace && o.metadata.namespace !== namespace) return false;
  const labels: Record<string, string> = o.metadata.labels ?? {};
  for (const term of splitTerms(labelSelector)) {
    const m = /^(!?)([^!=\s]+)\s*(?:(==|=|!=)\s*(.*))?$/.exec(term);
    if (!m) throw badRequest(`unable to parse requirement: ${term}`);
    const [, not, key, op, value] = m;
    if (!op) {
      if (not ? key in labels : !(key in labels)) return false;
    } else if (op === '!=') {
      if (labels[key] === value) return false;
    } else if (labels[key] !== value) return false;
  }
  for (const term of splitTerms(fieldSelector)) {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${fieldSelector}'; can't understand '${term}'`);
    const [, path, op, value] = m;
    const actual = String(path.split('.').reduce<any>((v, k) => (v == null ? undefined : v[k]), o) ?? '');
    if (op === '!=' ? actual === value : actual !== value) return false;
  }
  return true;
}

function splitTerms(selector: string): string[] {
  return selector.split(',').map((t) => t.trim()).filter(Boolean);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function applyJsonPatch(target: Obj, ops: any[]): Obj {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  const doc = structuredClone(target) as any;
  for (const op of ops) {
    const path: string[] = String(op.path).split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = path.pop()!;
    const parent = path.reduce((v, k) => (v == null ? undefined : v[k]), doc);
    if (parent == null) throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: doc is missing path: ${op.path}`);
    if (op.op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${op.path} failed`);
    } else if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (op.op === 'add' && Array.isArray(parent)) {
      parent.splice(last === '-' ? parent.length : Number(last), 0, op.value);
    } else if (op.op === 'add' || op.op === 'replace') {
      parent[last] = op.value;
    } else throw badRequest(`unsupported json patch operation ${op.op}`);
  }
  return doc;
}

function expired(message: string): StatusError {
  return new StatusError(410, 'Expired', message);
}

function notFoundPath(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ type: 'UnexpectedServerResponse', message: '404 page not found' }] });
}

function methodNotAllowed(method: string): StatusError {
  return new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
}

function invalidName(kind: string, group: string): StatusError {
  return new StatusError(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "" is invalid: metadata.name: Required value: name or generateName is required`, {
    kind,
    group: group || undefined,
    causes: [{ type: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }],
  });
}

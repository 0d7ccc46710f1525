// The REST client every component uses to reach the API server: Kubernetes' paths and verbs,
// JSON in and out, Status bodies decoded into StatusError, watches as async iterables.

import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { StatusError, type Status, type StatusReason } from '../api/errors.ts';
import type { ObjectMeta } from '../api/meta.ts';
import type { ClientConfig } from './kubeconfig.ts';
import { TokenBucket } from './rate-limiter.ts';
import { apiPathPrefix, type GroupVersionResource } from './resources.ts';
import { Watch } from './watch.ts';

/** What the client needs of an object: its metadata. */
export interface HasMetadata {
  metadata?: ObjectMeta;
}

export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

export interface Target {
  /** Omit for cluster-scoped resources (and for all-namespaces lists and watches). */
  namespace?: string;
  subresource?: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
  signal?: AbortSignal;
}

export interface WriteOptions {
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  dryRun?: boolean;
  signal?: AbortSignal;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface RestClientOptions {
  /** Sent as `User-Agent: k8ts/<component>`. */
  component?: string;
  /** Per-request deadline for everything but watches. */
  timeoutMs?: number;
  /** Client-side rate limit; unlimited when qps is not set. */
  qps?: number;
  burst?: number;
  /** How often a 429 or 503 with Retry-After is retried. */
  maxRetries?: number;
}

export interface RawOptions {
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
  method: string;
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

/** `/api/v1/namespaces/ns/pods/name/status` and friends. */
export function resourcePath(gvr: GroupVersionResource, target: Target & { name?: string } = {}): string {
  let p = apiPathPrefix(gvr);
  if (target.namespace) p += `/namespaces/${encodeURIComponent(target.namespace)}`;
  p += `/${gvr.resource}`;
  if (target.name !== undefined) {
    if (target.name === '') throw new Error(`resource name may not be empty (${gvr.resource})`);
    p += `/${encodeURIComponent(target.name)}`;
    if (target.subresource) p += `/${target.subresource}`;
  }
  return p;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_RETRY_AFTER_MS = 10_000;

export class RestClient {
  readonly config: ClientConfig;
  private readonly userAgent: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly limiter: TokenBucket | undefined;
  private readonly isHttps: boolean;
  // Watches hold their socket for minutes; they get their own agent so they never starve requests.
  private readonly requestAgent: http.Agent;
  private readonly watchAgent: http.Agent;

  constructor(config: ClientConfig, opts: RestClientOptions = {}) {
    this.config = config;
    this.userAgent = `k8ts/${opts.component ?? 'client'}`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = opts.maxRetries ?? 5;
    this.limiter = opts.qps ? new TokenBucket(opts.qps, opts.burst ?? Math.max(1, Math.ceil(opts.qps))) : undefined;
    const url = new URL(config.server);
    this.isHttps = url.protocol === 'https:';
    const tls = {
      ca: config.ca,
      cert: config.cert,
      key: config.key,
      rejectUnauthorized: !config.insecureSkipTLSVerify,
      servername: config.tlsServerName,
    };
    const base = { keepAlive: true, keepAliveMsecs: 30_000 };
    // Every socket may stay open between bursts (a ReplicaSet's slow-start rounds go up to
    // 256 creations at once): closing all but a few and reconnecting costs more than idle sockets.
    if (this.isHttps) {
      this.requestAgent = new https.Agent({ ...base, ...tls, maxSockets: 64, maxFreeSockets: 64 });
      this.watchAgent = new https.Agent({ ...base, ...tls, maxSockets: Infinity, maxFreeSockets: 0 });
    } else {
      this.requestAgent = new http.Agent({ ...base, maxSockets: 64, maxFreeSockets: 64 });
      this.watchAgent = new http.Agent({ ...base, maxSockets: Infinity, maxFreeSockets: 0 });
    }
  }

  /** Closes idle and open connections; the client is unusable afterwards. */
  close(): void {
    this.requestAgent.destroy();
    this.watchAgent.destroy();
  }

  get<T>(gvr: GroupVersionResource, name: string, target: Target & { signal?: AbortSignal } = {}): Promise<T> {
    return this.json<T>({ method: 'GET', path: resourcePath(gvr, { ...target, name }), signal: target.signal });
  }

  list<T>(gvr: GroupVersionResource, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.json<ObjectList<T>>({
      method: 'GET',
      path: resourcePath(gvr, { namespace: opts.namespace }),
      query: {
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
        resourceVersionMatch: opts.resourceVersionMatch,
        timeoutSeconds: opts.timeoutSeconds,
      },
      signal: opts.signal,
    });
  }

  /**
   * POSTs `body` to the collection (namespace from `target` or the body's metadata), or to a
   * subresource of the object `target.name` (e.g. pods/binding, pods/eviction).
   */
  create<T extends HasMetadata, R = T>(
    gvr: GroupVersionResource,
    body: T,
    target: Target & WriteOptions & { name?: string } = {},
  ): Promise<R> {
    const namespace = target.namespace ?? body.metadata?.namespace;
    const path = target.subresource
      ? resourcePath(gvr, { namespace, name: target.name ?? body.metadata?.name, subresource: target.subresource })
      : resourcePath(gvr, { namespace });
    return this.json<R>({ method: 'POST', path, query: writeQuery(target), body, signal: target.signal });
  }

  /** PUTs the whole object; its metadata.resourceVersion makes the write conditional. */
  update<T extends HasMetadata>(gvr: GroupVersionResource, body: T, target: Target & WriteOptions = {}): Promise<T> {
    const namespace = target.namespace ?? body.metadata?.namespace;
    const name = body.metadata?.name ?? '';
    const path = resourcePath(gvr, { namespace, name, subresource: target.subresource });
    return this.json<T>({ method: 'PUT', path, query: writeQuery(target), body, signal: target.signal });
  }

  patch<T>(
    gvr: GroupVersionResource,
    name: string,
    type: PatchType,
    body: unknown,
    target: Target & PatchOptions = {},
  ): Promise<T> {
    if (type === 'apply' && !target.fieldManager) {
      throw new Error('server-side apply needs a fieldManager');
    }
    return this.json<T>({
      method: 'PATCH',
      path: resourcePath(gvr, { namespace: target.namespace, name, subresource: target.subresource }),
      query: { ...writeQuery(target), force: type === 'apply' && target.force !== undefined ? target.force : undefined },
      body,
      contentType: PATCH_CONTENT_TYPES[type],
      signal: target.signal,
    });
  }

  /** Answers the object (being deleted, or gone) or a Success Status, as the server chooses. */
  delete<R = Status>(
    gvr: GroupVersionResource,
    name: string,
    opts: DeleteOptions & { namespace?: string; subresource?: string } = {},
  ): Promise<R> {
    return this.json<R>({
      method: 'DELETE',
      path: resourcePath(gvr, { namespace: opts.namespace, name, subresource: opts.subresource }),
      query: { dryRun: opts.dryRun ? 'All' : undefined },
      body: deleteOptionsBody(opts),
      signal: opts.signal,
    });
  }

  deleteCollection<R = Status>(
    gvr: GroupVersionResource,
    opts: DeleteOptions & { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<R> {
    return this.json<R>({
      method: 'DELETE',
      path: resourcePath(gvr, { namespace: opts.namespace }),
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, dryRun: opts.dryRun ? 'All' : undefined },
      body: deleteOptionsBody(opts),
      signal: opts.signal,
    });
  }

  /**
   * Opens a watch. Resolves once the server has answered with 200 (a non-2xx answer rejects
   * with a StatusError); the events then arrive through the returned Watch.
   */
  async watch<T>(gvr: GroupVersionResource, opts: WatchOptions = {}): Promise<Watch<T>> {
    const spec: RequestSpec = {
      method: 'GET',
      path: resourcePath(gvr, { namespace: opts.namespace }),
      query: {
        watch: 'true',
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        timeoutSeconds: opts.timeoutSeconds,
        allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      },
      signal: opts.signal,
    };
    for (let attempt = 0; ; attempt++) {
      await this.throttle();
      const { response, abort } = await this.send(spec, this.watchAgent, this.timeoutMs, 'headers');
      if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300) {
        const w = new Watch<T>(response, abort);
        if (opts.signal) {
          const signal = opts.signal;
          const onAbort = () => w.stop();
          signal.addEventListener('abort', onAbort, { once: true });
          void w.done.then(() => signal.removeEventListener('abort', onAbort));
        }
        return w;
      }
      const body = await readBody(response);
      const retryMs = this.retryDelay(response, attempt);
      if (retryMs !== undefined) {
        await sleep(retryMs, opts.signal);
        continue;
      }
      throw decodeError(response.statusCode ?? 0, response.headers, body);
    }
  }

  /** Any request by path; answers the decoded JSON (or the text, when it is not JSON). */
  raw<T = unknown>(method: string, path: string, body?: unknown, opts: RawOptions = {}): Promise<T> {
    return this.json<T>({ method, path, body, contentType: opts.contentType, accept: opts.accept, signal: opts.signal });
  }

  private async json<T>(spec: RequestSpec): Promise<T> {
    let resets = 0;
    for (let attempt = 0; ; attempt++) {
      await this.throttle();
      let response: IncomingMessage;
      let body: Buffer;
      try {
        ({ response } = await this.send(spec, this.requestAgent, this.timeoutMs, 'body'));
        body = await readBody(response);
      } catch (err) {
        // A kept-alive socket the server closed just as we reused it: a read is safe to repeat.
        if (spec.method === 'GET' && resets++ < 1 && isConnectionReset(err) && !spec.signal?.aborted) continue;
        throw err;
      }
      const code = response.statusCode ?? 0;
      if (code >= 200 && code < 300) return decodeBody(response.headers, body) as T;
      const retryMs = this.retryDelay(response, attempt);
      if (retryMs !== undefined) {
        await sleep(retryMs, spec.signal);
        continue;
      }
      throw decodeError(code, response.headers, body);
    }
  }

  /** client-go retries when the server says when to come back (429, 5xx with Retry-After). */
  private retryDelay(response: IncomingMessage, attempt: number): number | undefined {
    const code = response.statusCode ?? 0;
    if (attempt >= this.maxRetries) return undefined;
    if (code !== 429 && !(code >= 500 && code < 600)) return undefined;
    const header = response.headers['retry-after'];
    if (header === undefined) return undefined;
    const seconds = Number(header);
    if (!Number.isFinite(seconds) || seconds < 0) return undefined;
    return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  }

  private async throttle(): Promise<void> {
    if (!this.limiter) return;
    const wait = this.limiter.reserve();
    if (wait > 0) await sleep(wait);
  }

  private send(
    spec: RequestSpec,
    agent: http.Agent,
    timeoutMs: number,
    /** Whether the deadline covers the whole body or only the wait for the response headers (watches). */
    deadlineCovers: 'body' | 'headers',
  ): Promise<{ response: IncomingMessage; abort: () => void }> {
    const url = new URL(this.config.server + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {
      'User-Agent': this.userAgent,
      Accept: spec.accept ?? 'application/json',
    };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    else if (this.config.username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${this.config.username}:${this.config.password ?? ''}`).toString('base64')}`;
    }
    let payload: Buffer | undefined;
    if (spec.body !== undefined) {
      payload = Buffer.from(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const mod = this.isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method: spec.method, headers, agent, signal: spec.signal });
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMs > 0) {
        timer = setTimeout(() => req.destroy(new Error(`${spec.method} ${spec.path}: no answer within ${timeoutMs} ms`)), timeoutMs);
      }
      req.on('response', (response) => {
        if (timer && deadlineCovers === 'headers') clearTimeout(timer);
        else if (timer) response.on('end', () => clearTimeout(timer)).on('close', () => clearTimeout(timer));
        resolve({ response, abort: () => req.destroy() });
      });
      req.on('error', (err) => {
        if (timer) clearTimeout(timer);
        reject(err);
      });
      req.end(payload);
    });
  }
}

function isConnectionReset(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function writeQuery(opts: WriteOptions): Query {
  return {
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
    dryRun: opts.dryRun ? 'All' : undefined,
  };
}

function deleteOptionsBody(opts: DeleteOptions): Record<string, unknown> | undefined {
  const body: Record<string, unknown> = {};
  if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.preconditions) body.preconditions = opts.preconditions;
  if (Object.keys(body).length === 0) return undefined;
  return { kind: 'DeleteOptions', apiVersion: 'v1', ...body };
}

function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (c: Buffer) => chunks.push(c));
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('response aborted')));
  });
}

function decodeBody(headers: IncomingHttpHeaders, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  const type = headers['content-type'] ?? '';
  if (type.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

const REASON_BY_CODE: Record<number, [StatusReason, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  406: ['NotAcceptable', 'the server was unable to respond with a content type that the client supports'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Gone', 'the server has asked for the client to re-fetch the resource'],
  413: ['RequestEntityTooLarge', 'the server has rejected the request because it is too large'],
  415: ['UnsupportedMediaType', 'the server was unable to respond with a content type that the client supports'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

/** A Status body becomes its StatusError; anything else a StatusError synthesized from the code. */
export function decodeError(code: number, headers: IncomingHttpHeaders, body: Buffer): StatusError {
  const decoded = decodeBody(headers, body);
  if (typeof decoded === 'object' && decoded !== null && (decoded as { kind?: unknown }).kind === 'Status') {
    const s = decoded as Partial<Status>;
    return StatusError.fromStatus({ ...s, code: s.code || code });
  }
  const [reason, message] = REASON_BY_CODE[code] ?? ['Unknown', `the server responded with the status code ${code} but did not return more information`];
  const text = typeof decoded === 'string' ? decoded.trim().slice(0, 1000) : '';
  return new StatusError(code, reason, text ? `${message} (${text})` : message);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// The API server: the cluster's only door to the store. It authenticates a request, finds
// the resource, and hands it to the handler of its verb; every answer is an object, a list,
// a Table, a watch stream or a Status.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { ApiServerOptions, RunningApiServer, UserInfo } from './options.ts';
import type { ResourceDefinition } from '../api/strategy.ts';
import { StatusError } from '../api/errors.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { GenericStore, type ResourceHooks } from './registry/generic-store.ts';
import { parseRequestInfo, type ResourceRequestInfo } from './request-info.ts';
import { negotiate } from './negotiation.ts';
import { writeBytes, writeError, writeJson, toStatusError, setWarnings } from './responses.ts';
import { Discovery, AGGREGATED_V2, AGGREGATED_V2BETA1, wantsAggregated } from './discovery.ts';
import { runHealth, type HealthCheck } from './health.ts';
import { recordRequest, inflight, renderMetrics, METRICS_CONTENT_TYPE } from './metrics.ts';
import type { ApiRequest } from './handlers/api-request.ts';
import type { FieldValidation, RequestContext } from './registry/context.ts';
import { handleGet, handleList } from './handlers/read.ts';
import { handleWatch } from './handlers/watch.ts';
import { handleCreate, handlePatch, handleUpdate } from './handlers/write.ts';
import { handleDelete, handleDeleteCollection } from './handlers/delete.ts';
import { handleScale } from './handlers/scale.ts';
import { handleBinding, handleEviction } from './handlers/pod-subresources.ts';
import { handleFinalize, namespaceHooks, namespaceLifecycle } from './registry/namespace-lifecycle.ts';
import { ServiceAllocator } from './registry/service-allocator.ts';
import { limitRangeAdmission } from './admission/limit-range.ts';
import { quotaAdmission } from './admission/resource-quota.ts';
import { priorityAdmission } from './admission/priority.ts';
import { handleTokenRequest } from './handlers/token-request.ts';
import { serviceAccountSigner, verifyServiceAccountToken, type ServiceAccountSigner } from './auth/service-account-token.ts';
import { builtinResources } from './builtin-resources.ts';
import { OpenApiDocs } from './openapi.ts';
import { OPENAPI_V2_PROTOBUF_CONTENT_TYPE, openapiV2ProtobufServed, prefersOpenApiV2Protobuf } from '../api/openapi/v2-protobuf.ts';
import { bootstrap } from './bootstrap.ts';
import { handleComponentStatuses } from './handlers/component-statuses.ts';
import { handleAccessReview, handleSelfSubjectReview } from './handlers/access-review.ts';
import { startPodDeletionSweeper } from './registry/pod-deletion-sweeper.ts';
import { CrdController } from './crd/crd-controller.ts';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0+k8ts',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);
const ADMIN: UserInfo = { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

export class ApiServer {
  readonly registry = new ResourceRegistry();
  readonly stores = new Map<ResourceDefinition, GenericStore>();
  readonly discovery = new Discovery(this.registry);
  readonly openapi = new OpenApiDocs(this.registry);
  readonly allocator: ServiceAllocator;
  readonly tokenSigner: ServiceAccountSigner;
  readonly crdController: CrdController;
  private readonly checks: HealthCheck[];
  /**
   * Resources not kept in the store (upstream: their own REST storage): computed, or reviews
   * answered on the spot. Keyed `<group>/<resource>`.
   */
  private readonly customHandlers = new Map<string, (r: ApiRequest) => Promise<void>>([
    ['/componentstatuses', (r) => handleComponentStatuses(r, this)],
    ['/bindings', (r) => handleBinding(r, this.mustStore('', 'v1', 'pods'))],
    ['authorization.k8s.io/selfsubjectaccessreviews', handleAccessReview],
    ['authorization.k8s.io/subjectaccessreviews', handleAccessReview],
    ['authentication.k8s.io/selfsubjectreviews', handleSelfSubjectReview],
  ]);
  private bootstrapped = false;
  private stopSweeper?: () => void;
  address = '127.0.0.1:6443';

  constructor(readonly opts: ApiServerOptions) {
    this.tokenSigner = serviceAccountSigner(opts.serviceAccountKey);
    this.allocator = new ServiceAllocator(opts.serviceClusterIPRange ?? '10.96.0.0/12', opts.serviceNodePortRange ?? '30000-32767');
    for (const def of builtinResources()) this.addResource(def);
    this.crdController = new CrdController(this);
    this.checks = [
      { name: 'ping', check: () => {} },
      { name: 'log', check: () => {} },
      {
        name: 'etcd',
        check: async () => {
          await opts.store.currentRevision();
        },
      },
      {
        name: 'poststarthook/bootstrap-controller',
        check: () => {
          if (!this.bootstrapped) throw new Error('not finished');
        },
      },
    ];
  }

  addResource(def: ResourceDefinition, hooks?: ResourceHooks): GenericStore {
    this.registry.add(def);
    const store = new GenericStore(def, this.opts.store);
    if (hooks) store.hooks = hooks;
    this.stores.set(def, store);
    return store;
  }

  storeFor(group: string, version: string, resource: string): GenericStore | undefined {
    const def = this.registry.lookup(group, version, resource);
    return def ? this.stores.get(def) : undefined;
  }

  private mustStore(group: string, version: string, resource: string): GenericStore {
    const s = this.storeFor(group, version, resource);
    if (!s) throw new Error(`no storage for ${resource}`);
    return s;
  }

  async init(): Promise<void> {
    const namespaces = this.mustStore('', 'v1', 'namespaces');
    namespaces.hooks = namespaceHooks();
    const lifecycle = namespaceLifecycle(namespaces);
    const services = this.mustStore('', 'v1', 'services');
    const pods = this.mustStore('', 'v1', 'pods');
    const serviceHooks = this.allocator.hooks();
    const limitRanger = limitRangeAdmission(this.mustStore('', 'v1', 'limitranges'));
    const priority = priorityAdmission(this.mustStore('scheduling.k8s.io', 'v1', 'priorityclasses'));
    const quota = quotaAdmission(this.mustStore('', 'v1', 'resourcequotas'));
    for (const [def, store] of this.stores) {
      const own: ResourceHooks = store === services ? serviceHooks : store.hooks;
      if (!def.namespaced) {
        store.hooks = own;
        continue;
      }
      // Admission, in upstream's order: NamespaceLifecycle, LimitRanger, Priority, ResourceQuota.
      store.hooks = {
        ...own,
        beforeCreate: async (obj, ctx) => {
          await lifecycle(obj.metadata.namespace);
          if (store === pods) {
            await limitRanger(obj);
            await priority(obj);
          }
          await quota(def, obj, ctx);
          if (own.beforeCreate) await own.beforeCreate(obj, ctx);
        },
      };
    }
    // Rebuild the service allocations from what is stored.
    const existing = await services.list('', { selection: {} });
    for (const e of existing.items) this.allocator.restore(e.obj);
    // Custom resources of stored CRDs are served before the server listens.
    await this.crdController.start();
  }

  /** After the server listens: built-in objects, then background work; /readyz turns 200. */
  async finishStartup(host: string, port: number): Promise<void> {
    await bootstrap(this, host, port);
    this.bootstrapped = true;
    this.stopSweeper = startPodDeletionSweeper(this.mustStore('', 'v1', 'pods'));
  }

  stop(): void {
    this.stopSweeper?.();
    this.crdController.stop();
    for (const s of this.stores.values()) s.cache.stop();
  }

  async handle(req: IncomingMessage, res: ServerResponse, trusted = false): Promise<void> {
    const started = process.hrtime.bigint();
    const url = requestUrl(req.url ?? '/');
    const path = url.pathname;
    const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
    const mutating = info.isResourceRequest && !['get', 'list', 'watch'].includes(info.verb);
    inflight(1, mutating ? 'mutating' : 'readOnly');
    let code = 200;
    try {
      let user: UserInfo = ADMIN;
      // Service account tokens this server signed; anything else goes to the configured authenticator.
      const saUser = serviceAccountUser(req, this.tokenSigner);
      if (saUser) user = saUser;
      else if (this.opts.authenticate && !trusted) {
        const u = this.opts.authenticate(req);
        if (!u && !PUBLIC_PATHS.has(path) && !path.startsWith('/readyz/') && !path.startsWith('/livez/') && !path.startsWith('/healthz/')) {
          throw new StatusError(401, 'Unauthorized', 'Unauthorized');
        }
        if (u) user = u;
      }
      if (info.isResourceRequest) await this.handleResource(req, res, info, url.searchParams, user);
      else await this.handleNonResource(req, res, path, url.searchParams, info.discovery);
      code = res.statusCode;
    } catch (e) {
      const se = res.headersSent ? toStatusError(e) : writeError(res, e);
      if (res.headersSent && !res.writableEnded) res.end();
      code = se.code;
      if (se.code >= 500) this.opts.log?.(`${req.method} ${req.url}: ${se.message}${e instanceof Error && !(e instanceof StatusError) ? `\n${e.stack}` : ''}`);
    } finally {
      inflight(-1, mutating ? 'mutating' : 'readOnly');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (info.isResourceRequest) {
        recordRequest(
          {
            verb: metricVerb(info),
            group: info.group,
            version: info.version,
            resource: info.resource,
            subresource: info.subresource,
            scope: info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster',
            component: 'apiserver',
            code,
          },
          seconds,
        );
      }
    }
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, info: ResourceRequestInfo, query: URLSearchParams, user: UserInfo): Promise<void> {
    const def = this.registry.lookup(info.group, info.version, info.resource);
    if (!def) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', { group: info.group || undefined, kind: info.resource });
    if (info.subresource && !def.subresources.includes(info.subresource)) {
      throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', { name: info.name, group: info.group || undefined, kind: info.resource });
    }
    const store = this.stores.get(def)!;
    const fv = query.get('fieldValidation') ?? 'Warn';
    if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
      throw new StatusError(400, 'BadRequest', `fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${fv}"`);
    }
    const dryRun = query.getAll('dryRun');
    for (const d of dryRun) if (d !== 'All') throw new StatusError(400, 'BadRequest', `dryRun: Unsupported value: "${d}": supported values: "All"`);
    const ctx: RequestContext = {
      user,
      dryRun: dryRun.includes('All'),
      fieldManager: query.get('fieldManager') ?? undefined,
      fieldValidation: fv as FieldValidation,
      warnings: [],
      userAgent: req.headers['user-agent'],
    };
    const deprecation = this.crdController.deprecationWarning(def);
    if (deprecation) {
      ctx.warnings.push(deprecation);
      setWarnings(res, ctx.warnings);
    }
    const r: ApiRequest = { req, res, info, query, def, store, ctx, negotiated: negotiate(req.headers.accept) };
    if (!def.namespaced && info.namespace) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const allowed = def.verbs;
    if (allowed && !info.subresource && !allowed.includes(info.verb)) {
      throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
    const custom = this.customHandlers.get(`${def.group}/${def.resource}`);
    if (custom) return custom(r);

    switch (info.subresource) {
      case '':
        break;
      case 'status':
        if (info.verb === 'get') return handleGet(r);
        if (info.verb === 'update') return handleUpdate(r);
        if (info.verb === 'patch') return handlePatch(r);
        throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      case 'scale':
        return handleScale(r);
      case 'binding':
        return handleBinding(r, store);
      case 'eviction':
        return handleEviction(r, store, this.storeFor('policy', 'v1', 'poddisruptionbudgets'));
      case 'finalize':
        return handleFinalize(r);
      case 'token':
        return handleTokenRequest(r, this.tokenSigner);
      default:
        throw new StatusError(503, 'ServiceUnavailable', `${info.resource}/${info.subresource} needs a node agent, which this cluster does not run yet`);
    }
    switch (info.verb) {
      case 'get':
        return handleGet(r);
      case 'list':
        return handleList(r);
      case 'watch':
        return handleWatch(r);
      case 'create':
        if (info.name) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        return handleCreate(r);
      case 'update':
        return handleUpdate(r);
      case 'patch':
        return handlePatch(r);
      case 'delete':
        return handleDelete(r);
      case 'deletecollection':
        return handleDeleteCollection(r);
      default:
        throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  private async handleNonResource(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
    discovery: { group?: string; version?: string; legacyRoot?: boolean } | undefined,
  ): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const accept = req.headers.accept;
    if (discovery) {
      const agg = wantsAggregated(accept);
      if (discovery.legacyRoot) {
        if (agg) return writeJson(res, 200, this.discovery.aggregated(true, agg), agg === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1);
        return writeJson(res, 200, this.discovery.apiVersions(this.address));
      }
      if (discovery.group === undefined) {
        if (agg) return writeJson(res, 200, this.discovery.aggregated(false, agg), agg === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1);
        return writeJson(res, 200, this.discovery.apiGroupList());
      }
      if (discovery.version === undefined) {
        const g = this.discovery.apiGroup(discovery.group);
        if (!g) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
        return writeJson(res, 200, g);
      }
      const list = this.discovery.apiResourceList(discovery.group, discovery.version);
      if (!list) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return writeJson(res, 200, list);
    }
    if (path === '/version' || path === '/version/') return writeJson(res, 200, SERVER_VERSION);
    const health = /^\/(healthz|livez|readyz)(?:\/(.+))?$/.exec(path);
    if (health) {
      const kind = health[1] as 'healthz' | 'livez' | 'readyz';
      const checks = kind === 'livez' ? this.checks.filter((c) => c.name !== 'poststarthook/bootstrap-controller') : this.checks;
      const out = await runHealth(checks, kind, health[2] ?? '', query.has('verbose'), query.getAll('exclude'));
      res.writeHead(out.code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(out.body);
      return;
    }
    if (path === '/metrics') {
      const body = renderMetrics();
      res.writeHead(200, { 'Content-Type': METRICS_CONTENT_TYPE });
      res.end(body);
      return;
    }
    if (path === '/openapi/v3' || path === '/openapi/v3/') return writeJson(res, 200, this.openapi.v3Index());
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.openapi.v3Document(path.slice('/openapi/v3/'.length));
      if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      res.setHeader('Cache-Control', 'public, immutable');
      return writeJson(res, 200, doc);
    }
    if (path === '/openapi/v2') {
      if (prefersOpenApiV2Protobuf(accept)) {
        return writeBytes(res, 200, openapiV2ProtobufServed(this.registry.all()), OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
      }
      if ((accept ?? '').includes('protobuf') && !(accept ?? '').includes('json')) {
        throw new StatusError(406, 'NotAcceptable', 'only application/json is served for /openapi/v2');
      }
      return writeJson(res, 200, this.openapi.v2());
    }
    if (path === '/' || path === '') {
      return writeJson(res, 200, { paths: ['/api', '/api/v1', '/apis', ...this.registry.groups().filter((g) => g.group).map((g) => `/apis/${g.group}`), '/healthz', '/livez', '/metrics', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] });
    }
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
}

// A path of plain characters with no dot segment reads the same through URL: skip its parser.
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~/:@]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** The request target's path and query, as `new URL(target, base)` would give them. */
function requestUrl(target: string): { pathname: string; searchParams: URLSearchParams } {
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(pathname) && !DOT_SEGMENT.test(pathname) && !target.includes('#')) {
    const query = q < 0 ? '' : target.slice(q + 1);
    // (URLSearchParams would drop a second leading '?' that URL keeps in the name.)
    if (!query.startsWith('?') && !/[^\x21-\x7e]|["'<>`\\^{|}]/.test(query)) return { pathname, searchParams: new URLSearchParams(query) };
  }
  const url = new URL(target, 'http://localhost');
  return { pathname: url.pathname, searchParams: url.searchParams };
}

/** Upstream's verb label: the HTTP method, except LIST, WATCH and DELETECOLLECTION. */
function serviceAccountUser(req: IncomingMessage, signer: ServiceAccountSigner): UserInfo | undefined {
  const auth = req.headers.authorization;
  if (!auth?.startsWith('Bearer ')) return undefined;
  return verifyServiceAccountToken(signer, auth.slice('Bearer '.length).trim());
}

function metricVerb(info: ResourceRequestInfo): string {
  const byVerb: Record<string, string> = { create: 'POST', update: 'PUT', get: 'GET', patch: 'PATCH', delete: 'DELETE' };
  return byVerb[info.verb] ?? info.verb.toUpperCase();
}

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!opts.tls && !isLoopback(host)) {
    throw new Error(`plain HTTP is only allowed on loopback; ${host} needs TLS`);
  }
  const api = new ApiServer(opts);
  await api.init();
  const handlerFor = (trusted: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    api.handle(req, res, trusted).catch((e) => {
      opts.log?.(`unhandled: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) writeError(res, e);
      else res.end();
    });
  };
  const handler = handlerFor(false);
  // TLS: HTTP/2 when the client offers it (kubectl does), HTTP/1.1 otherwise.
  const server: http.Server | http2.Http2SecureServer = opts.tls
    ? http2.createSecureServer(
        { key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false, allowHTTP1: true },
        handler as any,
      )
    : http.createServer({ keepAliveTimeout: 65_000 }, handler);
  if (server instanceof http.Server) {
    server.headersTimeout = 70_000;
    server.requestTimeout = 0;
  } else {
    server.setTimeout(0);
  }
  // HTTP/2 sessions and HTTP/1.1 sockets of the TLS listener, to end them on close.
  const sessions = new Set<{ destroy(): void }>();
  if (!(server instanceof http.Server)) {
    server.on('session', (session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
    server.on('secureConnection', (socket) => {
      sessions.add(socket);
      socket.on('close', () => sessions.delete(socket));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  api.address = `${host}:${port}`;
  const servers: (http.Server | http2.Http2SecureServer)[] = [server];
  let insecureUrl: string | undefined;
  if (opts.insecurePort !== undefined) {
    const plain = http.createServer({ keepAliveTimeout: 65_000 }, handlerFor(true));
    plain.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      plain.once('error', reject);
      plain.listen(opts.insecurePort, '127.0.0.1', () => resolve());
    });
    servers.push(plain);
    insecureUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  }
  try {
    await api.finishStartup(host, port);
  } catch (e) {
    api.stop();
    for (const s of servers) {
      s.close();
      if (s instanceof http.Server) s.closeAllConnections();
    }
    for (const session of sessions) session.destroy();
    throw e;
  }
  const url = `${opts.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  opts.log?.(`listening on ${url}${insecureUrl ? ` and ${insecureUrl} (plain HTTP, no authentication)` : ''}`);
  const running: RunningApiServer & { api: ApiServer } = {
    url,
    port,
    insecureUrl,
    api,
    close: async () => {
      api.stop();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              if (s instanceof http.Server) s.closeAllConnections();
              else for (const session of sessions) session.destroy();
            }),
        ),
      );
    },
  };
  return running;
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

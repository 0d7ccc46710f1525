// Turns a request's method and path into what it asks for, as upstream's RequestInfoFactory:
// /api/v1/namespaces/ns/pods/name/status → {group '', version v1, namespace ns, resource pods,
// name, subresource status, verb from the method}.

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'connect';

export interface ResourceRequestInfo {
  isResourceRequest: true;
  verb: Verb;
  group: string;
  version: string;
  namespace: string; // '' when not namespaced in the path
  resource: string;
  name: string; // '' for collections
  subresource: string; // '' for the main resource
  path: string;
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
  /** Set for /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>. */
  discovery?: { group?: string; version?: string; legacyRoot?: boolean };
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter((p) => p !== '');
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length === 1) return { isResourceRequest: false, path, discovery: { legacyRoot: true } };
    version = parts[1];
    if (parts.length === 2) return { isResourceRequest: false, path, discovery: { group: '', version } };
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length === 1) return { isResourceRequest: false, path, discovery: {} };
    group = parts[1];
    if (parts.length === 2) return { isResourceRequest: false, path, discovery: { group } };
    version = parts[2];
    if (parts.length === 3) return { isResourceRequest: false, path, discovery: { group, version } };
    rest = parts.slice(3);
  } else {
    return { isResourceRequest: false, path };
  }

  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  let resource: string;
  let name = '';
  let subresource = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    resource = rest[2];
    name = rest[3] ?? '';
    subresource = rest[4] ?? '';
  } else if (rest[0] === 'namespaces') {
    // /namespaces or /namespaces/<name>: the namespace object itself.
    resource = 'namespaces';
    name = rest[1] ?? '';
  } else {
    resource = rest[0];
    name = rest[1] ?? '';
    subresource = rest[2] ?? '';
  }
  // namespaces/<name>/status|finalize are subresources of the namespace object.
  if (rest[0] === 'namespaces' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize')) {
    namespace = '';
    resource = 'namespaces';
    name = rest[1];
    subresource = rest[2];
  }
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  name = decode(name);
  namespace = decode(namespace);

  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (legacyWatch || isTrue(query.get('watch'))) verb = 'watch';
      else verb = name ? 'get' : 'list';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name ? 'delete' : 'deletecollection';
      break;
    default:
      verb = 'connect';
  }
  if (subresource && ['exec', 'attach', 'portforward', 'proxy', 'log'].includes(subresource) && verb !== 'get') {
    verb = 'connect';
  }
  return { isResourceRequest: true, verb, group, version, namespace, resource, name, subresource, path };
}

export function isTrue(v: string | null | undefined): boolean {
  return v === 'true' || v === '1';
}

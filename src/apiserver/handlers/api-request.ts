// One resource request as the handlers see it: the parsed path, the query, the resource
// and its storage, who asks, and how to answer.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDefinition } from '../../api/strategy.ts';
import type { ResourceRequestInfo } from '../request-info.ts';
import type { GenericStore } from '../registry/generic-store.ts';
import type { RequestContext } from '../registry/context.ts';
import type { Negotiated } from '../negotiation.ts';

export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: ResourceRequestInfo;
  query: URLSearchParams;
  def: ResourceDefinition;
  store: GenericStore;
  ctx: RequestContext;
  negotiated: Negotiated;
}

// core/v1 events.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { eventTable } from './event-table.ts';
import { metaUpdateValidator, metaValidator } from './strategy-helpers.ts';

function validateEvent(ev: any): FieldError[] {
  const errs: FieldError[] = [];
  const involvedNs: string = ev.involvedObject?.namespace ?? '';
  const ns: string = ev.metadata?.namespace ?? '';
  // Events about cluster-scoped objects live in "default" (or nowhere, for old clients).
  const mismatch = involvedNs === '' ? ns !== '' && ns !== 'default' : ns !== involvedNs;
  if (mismatch) errs.push(fieldError.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  return errs;
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const coreEventFieldSelectors: Record<string, (obj: any) => string | undefined> = {
  'involvedObject.kind': (e) => e.involvedObject?.kind ?? '',
  'involvedObject.namespace': (e) => e.involvedObject?.namespace ?? '',
  'involvedObject.name': (e) => e.involvedObject?.name ?? '',
  'involvedObject.uid': (e) => e.involvedObject?.uid ?? '',
  'involvedObject.apiVersion': (e) => e.involvedObject?.apiVersion ?? '',
  'involvedObject.resourceVersion': (e) => e.involvedObject?.resourceVersion ?? '',
  'involvedObject.fieldPath': (e) => e.involvedObject?.fieldPath ?? '',
  reason: (e) => e.reason ?? '',
  reportingComponent: (e) => e.reportingComponent ?? '',
  source: (e) => e.source?.component ?? '',
  type: (e) => e.type ?? '',
};

/** How long an Event lives after its last write (kube-apiserver's --event-ttl default). */
export const EVENT_TTL_SECONDS = 3600;

/** The cells of a core/v1 Event's row (events.k8s.io rows use them through the conversion). */
export const coreEventCells = (e: any) => ({
  name: e.metadata?.name ?? '',
  type: e.type ?? '',
  reason: e.reason ?? '',
  kind: e.involvedObject?.kind ?? '',
  objectName: e.involvedObject?.name ?? '',
  fieldPath: e.involvedObject?.fieldPath ?? '',
  component: e.source?.component || e.reportingComponent || '',
  host: e.source?.host || e.reportingInstance || '',
  message: e.message ?? '',
  firstTimestamp: e.firstTimestamp ?? undefined,
  lastTimestamp: e.lastTimestamp ?? undefined,
  eventTime: e.eventTime ?? undefined,
  count: e.count ?? 0,
  seriesCount: e.series ? e.series.count ?? 0 : undefined,
  seriesLastObserved: e.series?.lastObservedTime,
});

export const events: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  typeName: 'io.k8s.api.core.v1.Event',
  subresources: [],
  strategy: {
    validate: (ev) => [...validateMeta(ev), ...validateEvent(ev)],
    validateUpdate: (ev, old) => validateMetaUpdate(ev, old),
    table: eventTable(coreEventCells),
    fieldSelectors: coreEventFieldSelectors,
  },
  storage: { group: '', resource: 'events', ttlSeconds: EVENT_TTL_SECONDS },
};

// events.k8s.io/v1 events: another view of the core/v1 events in storage, as upstream (the
// field selectors keep the core names).

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names.ts';
import { coreEventToV1, eventV1ToCore } from './event-conversion.ts';
import { eventTable } from './event-table.ts';
import { EVENT_TTL_SECONDS, coreEventCells } from './events.ts';
import { metaUpdateValidator, metaValidator } from './strategy-helpers.ts';

const NOTE_MAX_BYTES = 1024;

function validateEventV1(ev: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!ev.eventTime) errs.push(fieldError.required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(fieldError.invalid('type', ev.type ?? '', `has invalid value: ${ev.type ?? ''}`));
  if (!ev.reportingController) errs.push(fieldError.required('reportingController'));
  else for (const msg of isQualifiedName(ev.reportingController)) errs.push(fieldError.invalid('reportingController', ev.reportingController, msg));
  if (!ev.reportingInstance) errs.push(fieldError.required('reportingInstance'));
  if (!ev.action) errs.push(fieldError.required('action'));
  if (!ev.reason) errs.push(fieldError.required('reason'));
  if (ev.note && Buffer.byteLength(ev.note) > NOTE_MAX_BYTES) errs.push(fieldError.tooLong('note', NOTE_MAX_BYTES));
  const regardingNs = ev.regarding?.namespace;
  if (regardingNs && ev.metadata?.namespace && regardingNs !== ev.metadata.namespace) {
    errs.push(fieldError.invalid('regarding.namespace', regardingNs, 'does not match event.namespace'));
  }
  return errs;
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const eventsV1: ResourceDefinition = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  typeName: 'io.k8s.api.events.v1.Event',
  subresources: [],
  strategy: {
    validate: (ev) => [...validateMeta(ev), ...validateEventV1(ev)],
    validateUpdate: (ev, old) => validateMetaUpdate(ev, old),
    table: eventTable((e) => coreEventCells(eventV1ToCore(e))),
    fieldSelectors: {
      'involvedObject.kind': (e) => e.regarding?.kind ?? '',
      'involvedObject.namespace': (e) => e.regarding?.namespace ?? '',
      'involvedObject.name': (e) => e.regarding?.name ?? '',
      'involvedObject.uid': (e) => e.regarding?.uid ?? '',
      'involvedObject.apiVersion': (e) => e.regarding?.apiVersion ?? '',
      'involvedObject.resourceVersion': (e) => e.regarding?.resourceVersion ?? '',
      'involvedObject.fieldPath': (e) => e.regarding?.fieldPath ?? '',
      reason: (e) => e.reason ?? '',
      reportingComponent: (e) => e.reportingController ?? '',
      source: (e) => e.deprecatedSource?.component ?? '',
      type: (e) => e.type ?? '',
    },
  },
  storage: { group: '', resource: 'events', toStorage: eventV1ToCore, fromStorage: coreEventToV1, ttlSeconds: EVENT_TTL_SECONDS },
};

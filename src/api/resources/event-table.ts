// The event printer shared by core/v1 and events.k8s.io/v1 events: both are read through
// this neutral shape.

import type { TableSpec } from '../strategy.ts';
import { column, since } from './table-format.ts';

export interface EventView {
  name: string;
  type: string;
  reason: string;
  kind: string;
  objectName: string;
  fieldPath: string;
  component: string;
  host: string;
  message: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count: number;
  seriesCount?: number;
  seriesLastObserved?: string;
}

export function eventTable(view: (obj: any) => EventView): TableSpec {
  return {
    columns: [
      column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
      column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
      column('Reason', 'string', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
      column('Object', 'string', 'The object that this event is about.'),
      column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].', 1),
      column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
      column('Message', 'string', 'A human-readable description of the status of this operation.'),
      column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
      column('Count', 'string', 'The number of times this event has occurred.', 1),
      { name: 'Name', type: 'string', format: 'name', priority: 1, description: 'Name must be unique within a namespace.' },
    ],
    row(obj, now) {
      const e = view(obj);
      const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
      let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
      let count = e.count;
      if (e.seriesCount !== undefined) {
        last = since(e.seriesLastObserved, now);
        count = e.seriesCount;
      } else if (!count) {
        count = 1;
      }
      const target = e.objectName ? `${e.kind.toLowerCase()}/${e.objectName}` : e.kind.toLowerCase();
      const source = e.host ? `${e.component}, ${e.host}` : e.component;
      return [last, e.type, e.reason, target, e.fieldPath, source, e.message.trim(), first, count, e.name];
    },
  };
}

// The ReplicationController controller: the ReplicaSet loop (replica-set.ts) over the older
// kind, whose selector is a plain label map (defaulted by the API server from the template).

import { labelSelectorFromSet, nothing } from '../api/labels.ts';
import type { ReplicationController } from '../api/types/core-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { ReplicatedPodsController, type ReplicatedKind } from './replica-set.ts';

export const replicationControllerKind: ReplicatedKind<ReplicationController> = {
  resource: resources.replicationcontrollers,
  // An empty selector on an RC selects nothing rather than everything.
  selectorOf: (rc) => (rc.spec?.selector && Object.keys(rc.spec.selector).length > 0 ? labelSelectorFromSet(rc.spec.selector) : nothing()),
};

export class ReplicationControllerController extends ReplicatedPodsController<ReplicationController> {
  constructor(informers: SharedInformerFactory, client: RestClient, recorder: EventRecorder) {
    super(replicationControllerKind, informers, client, recorder, 'replicationcontroller');
  }
}

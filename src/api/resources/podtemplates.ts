// core/v1 podtemplates.

import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { defaultPodTemplate, validatePodTemplateSpec } from './pod-spec.ts';
import { ensureObject, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { NAME_COLUMN, column, containerCells, formatLabels } from './table-format.ts';

export const podtemplates: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  listKind: 'PodTemplateList',
  resource: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  typeName: 'io.k8s.api.core.v1.PodTemplate',
  subresources: [],
  hasGeneration: true,
  strategy: {
    defaults: (pt) => defaultPodTemplate(ensureObject(pt, 'template')),
    validate: (pt) => [...metaValidator(true, nameIsDNSSubdomain)(pt), ...validatePodTemplateSpec(pt.template, 'template')],
    validateUpdate: metaUpdateValidator(),
    table: {
      columns: [
        NAME_COLUMN,
        column('Containers', 'string', 'Names of each container in the template.'),
        column('Images', 'string', 'Images referenced by each container in the template.'),
        column('Pod Labels', 'string', 'The labels for the pod template.'),
      ],
      row(pt) {
        const [containers, images] = containerCells(pt.template?.spec);
        return [pt.metadata?.name, containers, images, formatLabels(pt.template?.metadata?.labels)];
      },
    },
  },
};

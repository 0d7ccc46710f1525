// batch/v1 cronjobs.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { cronScheduleError } from '../validation/cron.ts';
import { validateLabels } from '../labels.ts';
import { validateAnnotations } from '../validation/annotations.ts';
import { maxLenError, nameIsDNSSubdomain } from '../validation/names.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, SELECTOR_COLUMN } from './apps-table.ts';
import { defaultPodTemplate } from './pod-spec.ts';
import { ensureObject, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, containerCells, formatBool, formatLabelSelector, since } from './table-format.ts';
import { validateNonNegative } from './workload.ts';
import { validateJobSpecAt } from './jobs.ts';

/** Job names get an 11-character suffix and must stay DNS labels. */
export const CRONJOB_NAME_MAX_LENGTH = 52;

export function defaultCronJob(cj: any): void {
  const spec = ensureObject(cj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = ensureObject(ensureObject(spec, 'jobTemplate'), 'spec');
  defaultPodTemplate(ensureObject(jobSpec, 'template'));
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function validateCronJobSpec(cj: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = cj.spec ?? {};
  if (!spec.schedule) {
    errs.push(fieldError.required('spec.schedule'));
  } else if (/^\s*(CRON_)?TZ=/.test(spec.schedule)) {
    errs.push(fieldError.invalid('spec.schedule', spec.schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  } else {
    const err = cronScheduleError(spec.schedule);
    if (err) errs.push(fieldError.invalid('spec.schedule', spec.schedule, err));
  }
  if (spec.timeZone !== undefined && spec.timeZone !== null && !validTimeZone(spec.timeZone)) {
    errs.push(fieldError.invalid('spec.timeZone', spec.timeZone, `unknown time zone ${spec.timeZone}`));
  }
  const policies = ['Allow', 'Forbid', 'Replace'];
  if (!spec.concurrencyPolicy) errs.push(fieldError.required('spec.concurrencyPolicy'));
  else if (!policies.includes(spec.concurrencyPolicy)) errs.push(fieldError.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, policies));
  errs.push(...validateNonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  errs.push(...validateNonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...validateNonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  const jt = spec.jobTemplate;
  errs.push(...validateLabels(jt?.metadata?.labels, 'spec.jobTemplate.metadata.labels'));
  errs.push(...validateAnnotations(jt?.metadata?.annotations, 'spec.jobTemplate.metadata.annotations'));
  errs.push(...validateJobSpecAt(jt?.spec, 'spec.jobTemplate.spec', false));
  return errs;
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const cronjobs: ResourceDefinition = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  listKind: 'CronJobList',
  resource: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  typeName: 'io.k8s.api.batch.v1.CronJob',
  subresources: ['status'],
  hasGeneration: true,
  strategy: {
    defaults: defaultCronJob,
    prepareForCreate: (cj) => {
      cj.status = {};
    },
    prepareForUpdate: keepOldStatus,
    validate: (cj) => {
      const errs = validateMeta(cj);
      const name: string = cj.metadata?.name ?? '';
      if (name.length > CRONJOB_NAME_MAX_LENGTH) errs.push(fieldError.invalid('metadata.name', name, maxLenError(CRONJOB_NAME_MAX_LENGTH)));
      return [...errs, ...validateCronJobSpec(cj)];
    },
    validateUpdate: (cj, old) => validateMetaUpdate(cj, old),
    prepareForStatusUpdate: (cj, old) => keepAllButStatus(cj, old),
    validateStatusUpdate: (cj, old) => validateMetaUpdate(cj, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
        column('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
        column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
        column('Active', 'integer', 'A list of pointers to currently running jobs.'),
        column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
        AGE_COLUMN,
        CONTAINERS_COLUMN,
        IMAGES_COLUMN,
        SELECTOR_COLUMN,
      ],
      row(cj, now) {
        const [containers, images] = containerCells(cj.spec?.jobTemplate?.spec?.template?.spec);
        const last = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>';
        return [
          cj.metadata?.name,
          cj.spec?.schedule ?? '',
          cj.spec?.timeZone ?? '<none>',
          formatBool(cj.spec?.suspend),
          (cj.status?.active ?? []).length,
          last,
          age(cj, now),
          containers,
          images,
          formatLabelSelector(cj.spec?.jobTemplate?.spec?.selector),
        ];
      },
    },
  },
};

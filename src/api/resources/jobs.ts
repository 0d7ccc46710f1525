// batch/v1 jobs: generated selector on create (controller-uid labels from metadata.uid, which
// the API server must set before prepareForCreate), run-to-completion templates.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { goLabelSelector } from '../validation/go-format.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, SELECTOR_COLUMN } from './apps-table.ts';
import { defaultPodTemplate, validatePodTemplateSpec } from './pod-spec.ts';
import { clone, ensureObject, equalJSON, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, containerCells, formatLabelSelector, humanDuration } from './table-format.ts';
import { validateLabelSelector } from '../labels.ts';
import { selectorMatches, templateLabelsMismatch, validateNonNegative } from './workload.ts';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

export const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];

/** SetDefaults_Job (labels from the template, counts, completion mode…) and template defaults. */
export function defaultJob(job: any): void {
  const spec = ensureObject(job, 'spec');
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6);
  const templateLabels = spec.template?.metadata?.labels;
  const meta = ensureObject(job, 'metadata');
  if (templateLabels && (!meta.labels || Object.keys(meta.labels).length === 0)) meta.labels = clone(templateLabels);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  defaultPodTemplate(ensureObject(spec, 'template'));
}

/** The API server's generateSelector: pods get job-name and controller-uid labels; the selector picks the uid. */
export function generateJobSelector(job: any): void {
  const spec = ensureObject(job, 'spec');
  const template = ensureObject(spec, 'template');
  const labels = ensureObject(ensureObject(template, 'metadata'), 'labels');
  const name = job.metadata?.name ?? '';
  const uid = job.metadata?.uid ?? '';
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) setDefault(labels, key, name);
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) setDefault(labels, key, uid);
  const selector = ensureObject(spec, 'selector');
  const matchLabels = ensureObject(selector, 'matchLabels');
  setDefault(matchLabels, CONTROLLER_UID_LABEL, uid);
}

/** JobSpec checks at `path` (`spec` for a Job, `spec.jobTemplate.spec` for a CronJob). */
export function validateJobSpecAt(spec: any, path: string, requireSelector: boolean): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonNegative(spec?.parallelism, `${path}.parallelism`));
  errs.push(...validateNonNegative(spec?.completions, `${path}.completions`));
  errs.push(...validateNonNegative(spec?.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`));
  errs.push(...validateNonNegative(spec?.backoffLimit, `${path}.backoffLimit`));
  errs.push(...validateNonNegative(spec?.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  const mode = spec?.completionMode;
  if (mode !== undefined && !['NonIndexed', 'Indexed'].includes(mode)) {
    errs.push(fieldError.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
  }
  if (mode === 'Indexed' && (spec?.completions === undefined || spec?.completions === null)) {
    errs.push(fieldError.required(`${path}.completions`, 'when completion mode is Indexed'));
  }
  if (spec?.selector) errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  else if (requireSelector) errs.push(fieldError.required(`${path}.selector`));
  const template = spec?.template;
  if (spec?.selector && template && !selectorMatches(spec.selector, template.metadata?.labels)) {
    const e = templateLabelsMismatch(template.metadata?.labels);
    errs.push({ ...e, field: `${path}.template.metadata.labels` });
  }
  errs.push(...validatePodTemplateSpec(template, `${path}.template`, { restartPolicies: JOB_RESTART_POLICIES }));
  return errs;
}

function validateGeneratedSelector(job: any): FieldError[] {
  if (job.spec?.manualSelector === true) return [];
  const uid = job.metadata?.uid ?? '';
  const expected = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
  if (equalJSON(job.spec?.selector, expected)) return [];
  return [
    {
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      message: `Invalid value: ${goLabelSelector(job.spec?.selector)}: \`selector\` not auto-generated`,
    },
  ];
}

function validateJobUpdate(job: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = job.spec ?? {};
  const oldSpec = old.spec ?? {};
  if (!equalJSON(spec.selector, oldSpec.selector)) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${goLabelSelector(spec.selector)}: field is immutable` });
  }
  if (!equalJSON(spec.completionMode, oldSpec.completionMode)) errs.push(fieldError.immutable('spec.completionMode', spec.completionMode ?? ''));
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism && oldSpec.completions === oldSpec.parallelism;
  if (!elastic && !equalJSON(spec.completions, oldSpec.completions)) errs.push(fieldError.immutable('spec.completions', spec.completions ?? null));
  // The template may change only while the job is suspended and has not started.
  const mayChangeTemplate = oldSpec.suspend === true && !old.status?.startTime;
  if (!mayChangeTemplate && !equalJSON(spec.template, oldSpec.template)) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.template', message: 'Invalid value: core.PodTemplateSpec{…}: field is immutable' });
  }
  return errs;
}

function jobStatus(job: any): string {
  const has = (type: string) => (job.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completionsCell(job: any): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined && job.spec?.completions !== null) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(job: any, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now.getTime();
  return humanDuration(end - Date.parse(start));
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const jobs: ResourceDefinition = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  listKind: 'JobList',
  resource: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  typeName: 'io.k8s.api.batch.v1.Job',
  subresources: ['status'],
  hasGeneration: true,
  strategy: {
    defaults: defaultJob,
    prepareForCreate: (job) => {
      job.status = {};
      if (job.spec?.manualSelector !== true) generateJobSelector(job);
    },
    prepareForUpdate: keepOldStatus,
    validate: (job) => [
      ...validateMeta(job),
      ...validateGeneratedSelector(job),
      ...validateJobSpecAt(job.spec, 'spec', true),
    ],
    validateUpdate: (job, old) => [...validateMetaUpdate(job, old), ...validateJobUpdate(job, old)],
    prepareForStatusUpdate: (job, old) => keepAllButStatus(job, old),
    validateStatusUpdate: (job, old) => validateMetaUpdate(job, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Status', 'string', 'Status of the job.'),
        column('Completions', 'string', 'The completion status of the job'),
        column('Duration', 'string', 'Time required to complete the job.'),
        AGE_COLUMN,
        CONTAINERS_COLUMN,
        IMAGES_COLUMN,
        SELECTOR_COLUMN,
      ],
      row(job, now) {
        const [containers, images] = containerCells(job.spec?.template?.spec);
        return [
          job.metadata?.name,
          jobStatus(job),
          completionsCell(job),
          durationCell(job, now),
          age(job, now),
          containers,
          images,
          formatLabelSelector(job.spec?.selector),
        ];
      },
    },
    fieldSelectors: {
      'status.successful': (job) => String(job.status?.succeeded ?? 0),
    },
  },
};

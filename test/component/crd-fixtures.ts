// A CronTab CRD as in the Kubernetes docs, with two versions, a status and a scale
// subresource and printer columns; shared by the CRD component tests.

export const CRONTAB_GROUP = 'stable.example.com';

export function cronTabCrd(overrides: { scope?: 'Namespaced' | 'Cluster'; plural?: string; kind?: string; group?: string } = {}): any {
  const group = overrides.group ?? CRONTAB_GROUP;
  const plural = overrides.plural ?? 'crontabs';
  const kind = overrides.kind ?? 'CronTab';
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['cronSpec'],
        properties: {
          cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
          image: { type: 'string', maxLength: 40 },
          replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
          mode: { type: 'string', enum: ['Fast', 'Slow'], default: 'Slow' },
          port: { 'x-kubernetes-int-or-string': true },
          note: { type: 'string', nullable: true },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
        },
      },
      status: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          labelSelector: { type: 'string' },
          phase: { type: 'string' },
        },
      },
    },
  };
  const version = (name: string, storage: boolean) => ({
    name,
    served: true,
    storage,
    schema: { openAPIV3Schema: schema },
    subresources: {
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' },
    },
    selectableFields: [{ jsonPath: '.spec.mode' }],
    additionalPrinterColumns: [
      { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: overrides.scope ?? 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, shortNames: [plural === 'crontabs' ? 'ct' : `${plural.slice(0, 2)}x`], categories: ['all'] },
      versions: [version('v1', true), version('v1beta1', false)],
    },
  };
}

export function cronTab(name: string, spec: Record<string, unknown> = {}, apiVersion = `${CRONTAB_GROUP}/v1`): any {
  return { apiVersion, kind: 'CronTab', metadata: { name }, spec: { cronSpec: '* * * * */5', image: 'my-cron-image', ...spec } };
}

/** Polls `check` every 20 ms until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

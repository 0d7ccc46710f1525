// What every cluster has from its first start: the four system namespaces and the
// `kubernetes` Service (first address of the service range) with its Endpoints.

import type { ApiServer } from './server.ts';
import { StatusError } from '../api/errors.ts';
import { internalContext } from './registry/context.ts';
import { firstHostAddress, parseCidr } from './auth/cidr.ts';

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (e) {
    if (e instanceof StatusError && e.code === 409) return;
    throw e;
  }
}

export async function bootstrap(api: ApiServer, host: string, port: number): Promise<void> {
  const ctx = internalContext();
  const namespaces = api.storeFor('', 'v1', 'namespaces')!;
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(() => namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, ctx));
  }
  // The two classes upstream creates for system components.
  const classes = api.storeFor('scheduling.k8s.io', 'v1', 'priorityclasses')!;
  for (const [name, value] of [['system-node-critical', 2000001000], ['system-cluster-critical', 2000000000]] as const) {
    await ensure(() =>
      classes.create('', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, description: `Used for system critical pods that must not be moved from their current node.` }, ctx),
    );
  }
  const ip = firstHostAddress(parseCidr(api.opts.serviceClusterIPRange ?? '10.96.0.0/12'));
  const services = api.storeFor('', 'v1', 'services')!;
  // On a restart the Service exists and its address is already taken by it: leave it be.
  const exists = await services.get('default', 'kubernetes').then(
    () => true,
    (e) => {
      if (e instanceof StatusError && e.code === 404) return false;
      throw e;
    },
  );
  if (!exists) await ensure(() =>
    services.create(
      'default',
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: ip,
          clusterIPs: [ip],
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }],
          sessionAffinity: 'None',
        },
      },
      ctx,
    ),
  );
  const endpointIp = host === '0.0.0.0' || host === '::' || host === 'localhost' ? '127.0.0.1' : host;
  const endpoints = api.storeFor('', 'v1', 'endpoints')!;
  const subsets = [{ addresses: [{ ip: endpointIp }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
  try {
    await endpoints.create('default', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets }, ctx);
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
    // The API server may have moved (another port): keep the Endpoints pointing at it.
    await endpoints.guaranteedUpdate('default', 'kubernetes', ctx, '', (cur) => ({ ...cur, subsets }));
  }
}

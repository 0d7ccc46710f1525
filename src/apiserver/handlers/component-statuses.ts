// componentstatuses (v1, deprecated upstream but still read by `kubectl get cs`): computed on
// each read. The store is probed directly; the scheduler and controller manager count as
// healthy while their leader-election Lease in kube-system is being renewed.

import type { ApiRequest } from './api-request.ts';
import type { ApiServer } from '../server.ts';
import { notFound } from '../../api/errors.ts';
import { writeObject } from './read.ts';
import { writeJson } from '../responses.ts';
import { toTable, parseIncludeObject } from '../table.ts';

interface Probe {
  name: string;
  run(): Promise<{ healthy: boolean; message: string; error?: string }>;
}

function leaseProbe(api: ApiServer, name: string, leaseName: string): Probe {
  return {
    name,
    run: async () => {
      const leases = api.storeFor('coordination.k8s.io', 'v1', 'leases');
      try {
        const lease = await leases!.get('kube-system', leaseName);
        const renew = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
        const ttl = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
        if (Number.isFinite(renew) && Date.now() - renew <= ttl * 2) return { healthy: true, message: 'ok' };
        return { healthy: false, message: '', error: `leader lease ${leaseName} not renewed since ${lease.spec?.renewTime ?? 'never'}` };
      } catch {
        return { healthy: false, message: '', error: `no ${name} is running (no lease kube-system/${leaseName})` };
      }
    },
  };
}

function probes(api: ApiServer): Probe[] {
  return [
    leaseProbe(api, 'controller-manager', 'kube-controller-manager'),
    leaseProbe(api, 'scheduler', 'kube-scheduler'),
    {
      name: 'etcd-0',
      run: async () => {
        try {
          await api.opts.store.currentRevision();
          return { healthy: true, message: 'ok' };
        } catch (e) {
          return { healthy: false, message: '', error: (e as Error).message };
        }
      },
    },
  ];
}

async function statusOf(p: Probe): Promise<any> {
  const r = await p.run();
  const condition: any = { type: 'Healthy', status: r.healthy ? 'True' : 'False', message: r.message };
  if (r.error) condition.error = r.error;
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: p.name }, conditions: [condition] };
}

export async function handleComponentStatuses(r: ApiRequest, api: ApiServer): Promise<void> {
  const all = probes(api);
  if (r.info.verb === 'get') {
    const p = all.find((x) => x.name === r.info.name);
    if (!p) throw notFound(r.store.gr, r.info.name);
    return writeObject(r, 200, await statusOf(p));
  }
  const items = await Promise.all(all.map(statusOf));
  if (r.negotiated.shape === 'table') {
    return writeJson(r.res, 200, toTable(r.def, items, { include: parseIncludeObject(r.query.get('includeObject')), version: r.negotiated.tableVersion }));
  }
  writeJson(r.res, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items });
}

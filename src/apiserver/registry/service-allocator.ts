// Service ClusterIPs from --service-cluster-ip-range and NodePorts from
// --service-node-port-range: allocated on create, released on delete, rebuilt from stored
// Services at start. A requested address or port that is taken or out of range is refused.

import { fieldError, invalid, type FieldError } from '../../api/errors.ts';
import { bigIntToIp, ipToBigInt, parseCidr, type Cidr } from '../auth/cidr.ts';
import type { ResourceHooks } from './generic-store.ts';

export class IpAllocator {
  private readonly used = new Set<bigint>();
  private readonly first: bigint;
  private readonly size: bigint;

  constructor(readonly range: string) {
    const cidr: Cidr = parseCidr(range);
    this.cidr = cidr;
    const bits = BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefixLength);
    // The network address and (IPv4) the broadcast address are never handed out.
    this.first = cidr.network + 1n;
    this.size = (1n << bits) - (cidr.family === 4 ? 2n : 1n);
  }
  private readonly cidr: Cidr;

  contains(ip: string): boolean {
    let v: bigint;
    try {
      v = ipToBigInt(ip);
    } catch {
      return false;
    }
    return v >= this.first && v < this.first + this.size;
  }

  /** Reserve `ip`; returns an error message when that cannot be done. */
  allocate(ip: string): string | undefined {
    if (!this.contains(ip)) return `provided IP is not in the valid range. The range of valid IPs is ${this.range}`;
    const v = ipToBigInt(ip);
    if (this.used.has(v)) return 'provided IP is already allocated';
    this.used.add(v);
    return undefined;
  }

  allocateNext(): string | undefined {
    const span = this.size > 1_000_000n ? 1_000_000n : this.size;
    const start = BigInt(Math.floor(Math.random() * Number(span)));
    for (let i = 0n; i < span; i++) {
      const v = this.first + ((start + i) % span);
      if (!this.used.has(v)) {
        this.used.add(v);
        return bigIntToIp(v, this.cidr.family);
      }
    }
    return undefined;
  }

  release(ip: string): void {
    try {
      this.used.delete(ipToBigInt(ip));
    } catch {
      /* not an address we handed out */
    }
  }
}

export class PortAllocator {
  private readonly used = new Set<number>();
  readonly min: number;
  readonly max: number;

  constructor(readonly range: string) {
    const m = /^(\d+)-(\d+)$/.exec(range);
    if (!m || Number(m[1]) > Number(m[2])) throw new Error(`invalid port range "${range}": want MIN-MAX`);
    this.min = Number(m[1]);
    this.max = Number(m[2]);
  }

  allocate(port: number): string | undefined {
    if (port < this.min || port > this.max) return `provided port is not in the valid range. The range of valid ports is ${this.range}`;
    if (this.used.has(port)) return 'provided port is already allocated';
    this.used.add(port);
    return undefined;
  }

  allocateNext(): number | undefined {
    const span = this.max - this.min + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = this.min + ((start + i) % span);
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.used.delete(port);
  }
}

function wantsNodePorts(svc: any): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

function hasClusterIP(svc: any): boolean {
  return svc.spec?.type !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
}

export class ServiceAllocator {
  readonly ips: IpAllocator;
  readonly ports: PortAllocator;

  constructor(ipRange: string, portRange: string) {
    this.ips = new IpAllocator(ipRange);
    this.ports = new PortAllocator(portRange);
  }

  /** Records what an already stored Service holds (at start). */
  restore(svc: any): void {
    for (const ip of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) {
      if (ip && ip !== 'None') this.ips.allocate(ip);
    }
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.ports.allocate(p.nodePort);
  }

  release(svc: any): void {
    for (const ip of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) {
      if (ip && ip !== 'None') this.ips.release(ip);
    }
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.ports.release(p.nodePort);
  }

  /** Assigns ClusterIP(s) and NodePorts to a new Service; throws 422 naming the field on failure. */
  allocateFor(svc: any): void {
    const errs: FieldError[] = [];
    const got: { ips: string[]; ports: number[] } = { ips: [], ports: [] };
    const spec = (svc.spec ??= {});
    if (hasClusterIP(svc)) {
      const requested: string | undefined = spec.clusterIPs?.[0] ?? spec.clusterIP;
      if (requested) {
        const err = this.ips.allocate(requested);
        if (err) errs.push(fieldError.invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: ${err}`));
        else got.ips.push(requested);
      } else {
        const ip = this.ips.allocateNext();
        if (!ip) errs.push(fieldError.invalid('spec.clusterIPs', [], `failed to allocate a serviceIP: range is full`));
        else got.ips.push(ip);
      }
      if (got.ips.length) {
        spec.clusterIP = got.ips[0];
        spec.clusterIPs = [got.ips[0]];
      }
    } else if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    }
    if (wantsNodePorts(svc)) {
      (spec.ports ?? []).forEach((p: any, i: number) => {
        if (p.nodePort) {
          const err = this.ports.allocate(p.nodePort);
          if (err) errs.push(fieldError.invalid(`spec.ports[${i}].nodePort`, p.nodePort, err));
          else got.ports.push(p.nodePort);
        } else {
          const port = this.ports.allocateNext();
          if (port === undefined) errs.push(fieldError.invalid(`spec.ports[${i}].nodePort`, 0, 'range is full'));
          else {
            p.nodePort = port;
            got.ports.push(port);
          }
        }
      });
    }
    if (errs.length) {
      for (const ip of got.ips) this.ips.release(ip);
      for (const p of got.ports) this.ports.release(p);
      throw invalid('Service', '', svc.metadata?.name ?? '', errs);
    }
  }

  /** NodePorts for a Service whose type changed to NodePort/LoadBalancer, or lost them. */
  reconcileUpdate(svc: any, old: any): void {
    if (wantsNodePorts(svc)) {
      const oldPorts = new Set<number>((old.spec?.ports ?? []).map((p: any) => p.nodePort).filter(Boolean));
      (svc.spec.ports ?? []).forEach((p: any, i: number) => {
        if (p.nodePort && oldPorts.has(p.nodePort)) return;
        if (p.nodePort) {
          const err = this.ports.allocate(p.nodePort);
          if (err) throw invalid('Service', '', svc.metadata.name, [fieldError.invalid(`spec.ports[${i}].nodePort`, p.nodePort, err)]);
        } else {
          const port = this.ports.allocateNext();
          if (port !== undefined) p.nodePort = port;
        }
      });
    } else {
      for (const p of svc.spec?.ports ?? []) delete p.nodePort;
    }
    if (hasClusterIP(svc) && !svc.spec.clusterIP && old.spec?.clusterIP && old.spec.clusterIP !== 'None') {
      svc.spec.clusterIP = old.spec.clusterIP;
      svc.spec.clusterIPs = old.spec.clusterIPs;
    }
  }

  hooks(): ResourceHooks {
    return {
      beforeCreate: async (svc) => this.allocateFor(svc),
      createAborted: (svc) => this.release(svc),
      beforeUpdate: async (svc, old) => this.reconcileUpdate(svc, old),
      deleted: (svc) => this.release(svc),
    };
  }
}

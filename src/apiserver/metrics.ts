// The API server's request metrics in Prometheus text exposition format (what `GET /metrics`
// serves), named and labelled as kube-apiserver names them. Recording is a map lookup and a
// few additions: it runs on every request.

export interface RequestLabels {
  /** Upstream's verbs: GET, LIST, WATCH, POST, PUT, PATCH, DELETE, DELETECOLLECTION, APPLY, CONNECT. */
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** `cluster`, `namespace` or `resource`; empty for non-resource paths. */
  scope: string;
  /** `apiserver`. */
  component: string;
  /** HTTP status code. */
  code: number;
  /** `All` when the request was a dry run. */
  dryRun?: string;
}

export type RequestKind = 'readOnly' | 'mutating';

/** kube-apiserver's buckets for apiserver_request_duration_seconds. */
export const REQUEST_DURATION_BUCKETS = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
];

/** Everything recorded for one label set (all labels but the response code). */
interface Series {
  /** The rendered labels, e.g. `component="apiserver",dry_run="",…`. */
  labels: string;
  totalsByCode: Map<number, number>;
  /** Per bucket, not cumulative (summed when rendered). */
  bucketCounts: number[];
  sum: number;
  count: number;
}

export class RequestMetrics {
  private readonly series = new Map<string, Series>();
  private readonly inflightByKind: Record<RequestKind, number> = { readOnly: 0, mutating: 0 };

  recordRequest(labels: RequestLabels, seconds: number): void {
    const key = `${labels.verb}|${labels.group}|${labels.version}|${labels.resource}|${labels.subresource}|${labels.scope}|${labels.component}|${labels.dryRun ?? ''}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        labels:
          `component="${escape(labels.component)}",dry_run="${escape(labels.dryRun ?? '')}",group="${escape(labels.group)}",` +
          `resource="${escape(labels.resource)}",scope="${escape(labels.scope)}",subresource="${escape(labels.subresource)}",` +
          `verb="${escape(labels.verb)}",version="${escape(labels.version)}"`,
        totalsByCode: new Map(),
        bucketCounts: new Array<number>(REQUEST_DURATION_BUCKETS.length).fill(0),
        sum: 0,
        count: 0,
      };
      this.series.set(key, series);
    }
    series.totalsByCode.set(labels.code, (series.totalsByCode.get(labels.code) ?? 0) + 1);
    for (let i = 0; i < REQUEST_DURATION_BUCKETS.length; i++) {
      if (seconds <= REQUEST_DURATION_BUCKETS[i]!) {
        series.bucketCounts[i]!++;
        break;
      }
    }
    series.sum += seconds;
    series.count++;
  }

  /** +1 when a request starts being served, -1 when it ends. Long-running requests (watch, exec) are not counted, as upstream. */
  inflight(delta: number, kind: RequestKind = 'readOnly'): void {
    this.inflightByKind[kind] += delta;
  }

  renderMetrics(): string {
    const out: string[] = [];
    out.push('# HELP apiserver_current_inflight_requests Maximal number of currently used inflight request limit of this apiserver per request kind in last second.');
    out.push('# TYPE apiserver_current_inflight_requests gauge');
    out.push(`apiserver_current_inflight_requests{request_kind="mutating"} ${this.inflightByKind.mutating}`);
    out.push(`apiserver_current_inflight_requests{request_kind="readOnly"} ${this.inflightByKind.readOnly}`);

    out.push('# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.');
    out.push('# TYPE apiserver_request_duration_seconds histogram');
    const all = [...this.series.values()].sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
    for (const series of all) {
      let cumulative = 0;
      REQUEST_DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += series.bucketCounts[i]!;
        out.push(`apiserver_request_duration_seconds_bucket{${series.labels},le="${bound}"} ${cumulative}`);
      });
      out.push(`apiserver_request_duration_seconds_bucket{${series.labels},le="+Inf"} ${series.count}`);
      out.push(`apiserver_request_duration_seconds_sum{${series.labels}} ${series.sum}`);
      out.push(`apiserver_request_duration_seconds_count{${series.labels}} ${series.count}`);
    }

    out.push('# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.');
    out.push('# TYPE apiserver_request_total counter');
    for (const series of all) {
      for (const code of [...series.totalsByCode.keys()].sort((a, b) => a - b)) {
        out.push(`apiserver_request_total{code="${code}",${series.labels}} ${series.totalsByCode.get(code)}`);
      }
    }

    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    out.push('# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.');
    out.push('# TYPE process_cpu_seconds_total counter');
    out.push(`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
    out.push('# HELP process_resident_memory_bytes Resident memory size in bytes.');
    out.push('# TYPE process_resident_memory_bytes gauge');
    out.push(`process_resident_memory_bytes ${memory.rss}`);
    out.push('# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.');
    out.push('# TYPE process_start_time_seconds gauge');
    out.push(`process_start_time_seconds ${PROCESS_START_SECONDS}`);
    return `${out.join('\n')}\n`;
  }
}

const PROCESS_START_SECONDS = Math.floor(Date.now() / 1000 - process.uptime());

/** The process-wide metrics, as upstream's global registry: every API server in this process records here. */
export const apiserverMetrics = new RequestMetrics();

export function recordRequest(labels: RequestLabels, seconds: number): void {
  apiserverMetrics.recordRequest(labels, seconds);
}

export function inflight(delta: number, kind: RequestKind = 'readOnly'): void {
  apiserverMetrics.inflight(delta, kind);
}

export function renderMetrics(): string {
  return apiserverMetrics.renderMetrics();
}

/** The content type of the text exposition format. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escape(value: string): string {
  return value.includes('\\') || value.includes('"') || value.includes('\n')
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

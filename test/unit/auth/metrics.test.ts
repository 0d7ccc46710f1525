// Lives here because this helper owns test/unit/auth; it tests src/apiserver/metrics.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestMetrics, type RequestLabels } from '../../../src/apiserver/metrics.ts';

const listPods: RequestLabels = {
  verb: 'LIST',
  group: '',
  version: 'v1',
  resource: 'pods',
  subresource: '',
  scope: 'namespace',
  component: 'apiserver',
  code: 200,
};

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const LABELS = 'component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"';

test('requests are counted per label set and response code', () => {
  const metrics = new RequestMetrics();
  metrics.recordRequest(listPods, 0.01);
  metrics.recordRequest(listPods, 0.02);
  metrics.recordRequest({ ...listPods, code: 404 }, 0.001);
  const text = metrics.renderMetrics();
  assert.equal(sample(text, `apiserver_request_total{code="200",${LABELS}}`), 2);
  assert.equal(sample(text, `apiserver_request_total{code="404",${LABELS}}`), 1);
  assert.match(text, /# TYPE apiserver_request_total counter/);
});

test('request durations fall into cumulative upstream buckets', () => {
  const metrics = new RequestMetrics();
  metrics.recordRequest(listPods, 0.004);
  metrics.recordRequest(listPods, 0.03);
  metrics.recordRequest(listPods, 70);
  const text = metrics.renderMetrics();
  const bucket = (le: string) => sample(text, `apiserver_request_duration_seconds_bucket{${LABELS},le="${le}"}`);
  assert.equal(bucket('0.005'), 1);
  assert.equal(bucket('0.025'), 1);
  assert.equal(bucket('0.05'), 2);
  assert.equal(bucket('60'), 2);
  assert.equal(bucket('+Inf'), 3);
  assert.equal(sample(text, `apiserver_request_duration_seconds_count{${LABELS}}`), 3);
  assert.ok(Math.abs(sample(text, `apiserver_request_duration_seconds_sum{${LABELS}}`)! - 70.034) < 1e-9);
});

test('inflight requests are tracked per request kind', () => {
  const metrics = new RequestMetrics();
  metrics.inflight(1);
  metrics.inflight(1);
  metrics.inflight(1, 'mutating');
  metrics.inflight(-1);
  const text = metrics.renderMetrics();
  assert.equal(sample(text, 'apiserver_current_inflight_requests{request_kind="readOnly"}'), 1);
  assert.equal(sample(text, 'apiserver_current_inflight_requests{request_kind="mutating"}'), 1);
});

test('process metrics report memory and start time', () => {
  const text = new RequestMetrics().renderMetrics();
  assert.ok(sample(text, 'process_resident_memory_bytes')! > 1_000_000);
  const start = sample(text, 'process_start_time_seconds')!;
  assert.ok(start <= Date.now() / 1000 && start > Date.now() / 1000 - 3600);
});

test('label values with quotes, backslashes and newlines are escaped', () => {
  const metrics = new RequestMetrics();
  metrics.recordRequest({ ...listPods, resource: 'a"b\\c\nd' }, 0.1);
  assert.match(metrics.renderMetrics(), /resource="a\\"b\\\\c\\nd"/);
});

// Speed is the benchmark's business (no timed assertions in tests); this checks the counts.
test('many recorded requests are all counted in their series', () => {
  const metrics = new RequestMetrics();
  for (let i = 0; i < 10_000; i++) metrics.recordRequest(i % 2 ? listPods : { ...listPods, verb: 'GET' }, 0.003);
  const text = metrics.renderMetrics();
  const counts = [...text.matchAll(/^apiserver_request_total\{[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]));
  assert.equal(counts.reduce((a, b) => a + b, 0), 10_000);
});

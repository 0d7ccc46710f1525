// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1), YAML or JSON: profiles
// with plugins enabled/disabled per extension point (multiPoint included), pluginConfig
// args and percentageOfNodesToScore, merged onto upstream's v1 defaults.

import { parse as parseYaml } from 'yaml';
import { EXTENSION_POINTS, type PluginRef, type PluginSet, type Plugins, type Profile } from './framework/profile.ts';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';

/** Upstream v1 getDefaultPlugins (MultiPoint), for the plugins k8ts has. */
export const DEFAULT_MULTI_POINT: PluginRef[] = [
  { name: 'SchedulingGates' },
  { name: 'PrioritySort' },
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeRestrictions' },
  { name: 'VolumeBinding' },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder' },
];

export interface SchedulerConfig {
  profiles: Profile[];
  percentageOfNodesToScore?: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  parallelism: number;
}

export class ConfigError extends Error {}

function fail(path: string, msg: string): never {
  throw new ConfigError(`invalid KubeSchedulerConfiguration: ${path}: ${msg}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseRefs(v: unknown, path: string): PluginRef[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(path, 'must be a list');
  return v.map((item, i) => {
    if (!isObject(item) || typeof item.name !== 'string' || !item.name) fail(`${path}[${i}].name`, 'required');
    if (item.weight !== undefined && (typeof item.weight !== 'number' || !Number.isInteger(item.weight) || item.weight < 0)) {
      fail(`${path}[${i}].weight`, 'must be a non-negative integer');
    }
    return item.weight === undefined ? { name: item.name } : { name: item.name, weight: item.weight as number };
  });
}

function parsePluginSet(v: unknown, path: string): PluginSet | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail(path, 'must be an object');
  for (const k of Object.keys(v)) if (k !== 'enabled' && k !== 'disabled') fail(`${path}.${k}`, 'unknown field');
  return { enabled: parseRefs(v.enabled, `${path}.enabled`), disabled: parseRefs(v.disabled, `${path}.disabled`) };
}

/** Defaults first, minus what multiPoint.disabled names ("*" = all), plus multiPoint.enabled. */
function mergeMultiPoint(user: PluginSet | undefined): PluginSet {
  const disabled = new Set((user?.disabled ?? []).map((d) => d.name));
  const out: PluginRef[] = disabled.has('*') ? [] : DEFAULT_MULTI_POINT.filter((p) => !disabled.has(p.name));
  for (const ref of user?.enabled ?? []) {
    const i = out.findIndex((p) => p.name === ref.name);
    if (i >= 0) out[i] = ref;
    else out.push(ref);
  }
  return { enabled: out };
}

function parsePercentage(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 100) fail(path, 'must be an integer between 0 and 100');
  return v;
}

function parseProfile(v: unknown, i: number, knownPlugins?: Set<string>): Profile {
  const path = `profiles[${i}]`;
  if (!isObject(v)) fail(path, 'must be an object');
  const schedulerName = v.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  if (typeof schedulerName !== 'string' || !schedulerName) fail(`${path}.schedulerName`, 'must be a non-empty string');
  const plugins: Plugins = {};
  const rawPlugins = v.plugins ?? {};
  if (!isObject(rawPlugins)) fail(`${path}.plugins`, 'must be an object');
  for (const k of Object.keys(rawPlugins)) {
    if (k !== 'multiPoint' && !(EXTENSION_POINTS as readonly string[]).includes(k)) fail(`${path}.plugins.${k}`, 'unknown extension point');
  }
  plugins.multiPoint = mergeMultiPoint(parsePluginSet(rawPlugins.multiPoint, `${path}.plugins.multiPoint`));
  for (const point of EXTENSION_POINTS) {
    const set = parsePluginSet(rawPlugins[point], `${path}.plugins.${point}`);
    if (set) plugins[point] = set;
  }
  if (knownPlugins) {
    for (const [point, set] of Object.entries(plugins)) {
      for (const ref of (set as PluginSet).enabled ?? []) {
        if (!knownPlugins.has(ref.name)) fail(`${path}.plugins.${point}.enabled`, `plugin "${ref.name}" does not exist`);
      }
    }
  }
  const pluginConfig: Profile['pluginConfig'] = [];
  const rawPC = v.pluginConfig ?? [];
  if (!Array.isArray(rawPC)) fail(`${path}.pluginConfig`, 'must be a list');
  const seen = new Set<string>();
  rawPC.forEach((pc, j) => {
    if (!isObject(pc) || typeof pc.name !== 'string') fail(`${path}.pluginConfig[${j}].name`, 'required');
    if (seen.has(pc.name)) fail(`${path}.pluginConfig[${j}]`, `duplicate config for plugin "${pc.name}"`);
    seen.add(pc.name);
    if (pc.args !== undefined && !isObject(pc.args)) fail(`${path}.pluginConfig[${j}].args`, 'must be an object');
    pluginConfig.push({ name: pc.name, args: pc.args as Record<string, unknown> | undefined });
  });
  const fit = pluginConfig.find((c) => c.name === 'NodeResourcesFit')?.args as { scoringStrategy?: { type?: unknown } } | undefined;
  const strategy = fit?.scoringStrategy?.type;
  if (strategy !== undefined && strategy !== 'LeastAllocated' && strategy !== 'MostAllocated') {
    fail(`${path}.pluginConfig[NodeResourcesFit].args.scoringStrategy.type`, `unsupported value "${String(strategy)}"`);
  }
  return { schedulerName, plugins, pluginConfig, percentageOfNodesToScore: parsePercentage(v.percentageOfNodesToScore, `${path}.percentageOfNodesToScore`) };
}

/** Parses a configuration document (YAML or JSON); absent input gives the defaults. */
export function parseSchedulerConfig(text: string | undefined, knownPlugins?: Set<string>): SchedulerConfig {
  let doc: unknown = {};
  if (text !== undefined && text.trim()) {
    try {
      doc = parseYaml(text);
    } catch (e) {
      throw new ConfigError(`invalid KubeSchedulerConfiguration: ${(e as Error).message}`);
    }
  }
  if (!isObject(doc)) fail('(root)', 'must be an object');
  if (text !== undefined && text.trim()) {
    if (doc.apiVersion !== CONFIG_API_VERSION) fail('apiVersion', `must be ${CONFIG_API_VERSION}, got ${JSON.stringify(doc.apiVersion)}`);
    if (doc.kind !== 'KubeSchedulerConfiguration') fail('kind', `must be KubeSchedulerConfiguration, got ${JSON.stringify(doc.kind)}`);
  }
  const rawProfiles = doc.profiles ?? [{}];
  if (!Array.isArray(rawProfiles) || !rawProfiles.length) fail('profiles', 'must be a non-empty list');
  const profiles = rawProfiles.map((p, i) => parseProfile(p, i, knownPlugins));
  const names = new Set<string>();
  for (const p of profiles) {
    if (names.has(p.schedulerName)) fail('profiles', `duplicate profile with scheduler name "${p.schedulerName}"`);
    names.add(p.schedulerName);
  }
  const num = (v: unknown, path: string, def: number): number => {
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || v <= 0) fail(path, 'must be greater than 0');
    return v;
  };
  const podInitialBackoffSeconds = num(doc.podInitialBackoffSeconds, 'podInitialBackoffSeconds', 1);
  const podMaxBackoffSeconds = num(doc.podMaxBackoffSeconds, 'podMaxBackoffSeconds', 10);
  if (podMaxBackoffSeconds < podInitialBackoffSeconds) fail('podMaxBackoffSeconds', 'must be greater than or equal to podInitialBackoffSeconds');
  return {
    profiles,
    percentageOfNodesToScore: parsePercentage(doc.percentageOfNodesToScore, 'percentageOfNodesToScore'),
    podInitialBackoffSeconds,
    podMaxBackoffSeconds,
    parallelism: num(doc.parallelism, 'parallelism', 16),
  };
}

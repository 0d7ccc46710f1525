// Which plugins a profile runs at each extension point (the `plugins` and `pluginConfig`
// of a KubeSchedulerConfiguration profile, after defaults are merged).

export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export const EXTENSION_POINTS = [
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ExtensionPoint = (typeof EXTENSION_POINTS)[number];

export type Plugins = { multiPoint?: PluginSet } & { [P in ExtensionPoint]?: PluginSet };

export interface Profile {
  schedulerName: string;
  plugins: Plugins;
  pluginConfig: { name: string; args?: Record<string, unknown> }[];
  /** 0 or undefined: adaptive. */
  percentageOfNodesToScore?: number;
}

// The package's public entry point: `import { startControlPlane } from 'k8ts'`.

export { startControlPlane, type ControlPlaneOptions, type EmbeddedControlPlane } from './embed/control-plane.ts';
export type { BuiltinComponentOptions } from './embed/components.ts';
export type { Component, ControlPlaneContext } from './cli/server.ts';

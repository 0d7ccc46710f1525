// `k8ts controller-manager`, `k8ts scheduler` and `k8ts sim`: one component each, joining an
// existing cluster through a kubeconfig as upstream's binaries do, until SIGINT or SIGTERM.
// The component modules are loaded only when their command runs.

import { toControllerManagerSettings, type ControllerManagerFlagValues, type ControllerManagerSettings } from './controller-manager-flags.ts';
import {
  kubeconfigFrom,
  toClientLimits,
  toSchedulerOptions,
  toSimNodesOptions,
  type ControllerManagerCommandValues,
  type SchedulerCommandValues,
  type SimCommandValues,
} from './component-flags.ts';
import { UsageError } from './flags.ts';
import { runUntilSignal, type Stoppable } from './run-until-signal.ts';

export interface ComponentRunContext {
  kubeconfigPath: string;
  log: (line: string) => void;
  /** For the simulated nodes component, which reads its count from here when not given. */
  config: { simNodes: number };
}

interface StartableComponent {
  name: string;
  start(ctx: ComponentRunContext): Promise<Stoppable>;
}

/**
 * The controller manager settings for parsed flags; an unknown controller in --controllers is
 * a usage error (exit 2), as upstream refuses it at startup.
 */
export async function controllerManagerSettings(command: string, values: ControllerManagerFlagValues): Promise<ControllerManagerSettings> {
  const { resolveControllers, workersFromFlags, CONTROLLERS } = await import('../controllers/controller-manager.ts');
  try {
    resolveControllers(values.controllers);
  } catch (err) {
    throw new UsageError(
      `${command}: invalid value "${values.controllers}" for --controllers: ${(err as Error).message} (known: ${CONTROLLERS.map((c) => c.name).join(', ')})`,
    );
  }
  return toControllerManagerSettings(values, workersFromFlags);
}

export async function runControllerManager(values: ControllerManagerCommandValues, log: (line: string) => void): Promise<number> {
  const command = 'k8ts controller-manager';
  const kubeconfigPath = kubeconfigFrom(values.kubeconfig, command);
  const settings = await controllerManagerSettings(command, values);
  const { controllerManagerComponent } = await import('../controllers/component.ts');
  return runComponent(controllerManagerComponent({ ...settings, ...toClientLimits(values), leaderElect: values['leader-elect'] }), kubeconfigPath, log);
}

export async function runScheduler(values: SchedulerCommandValues, log: (line: string) => void): Promise<number> {
  const kubeconfigPath = kubeconfigFrom(values.kubeconfig, 'k8ts scheduler');
  const { schedulerComponentWith } = await import('../scheduler/component.ts');
  return runComponent(schedulerComponentWith(toSchedulerOptions(values)), kubeconfigPath, log);
}

export async function runSim(values: SimCommandValues, log: (line: string) => void): Promise<number> {
  const kubeconfigPath = kubeconfigFrom(values.kubeconfig, 'k8ts sim');
  const { simNodesComponent } = await import('../sim/component.ts');
  return runComponent(simNodesComponent({ ...toSimNodesOptions(values), log }), kubeconfigPath, log);
}

async function runComponent(component: StartableComponent, kubeconfigPath: string, log: (line: string) => void): Promise<number> {
  log(`${component.name}: using kubeconfig ${kubeconfigPath}`);
  const running = await component.start({ kubeconfigPath, log, config: { simNodes: 0 } });
  log(`${component.name}: started`);
  return runUntilSignal(running, log, (err) => (err instanceof Error ? err.message : String(err)));
}

// The k8ts subcommands and how a command line picks one. Exit codes: 0 done, 1 failed,
// 2 the command line was wrong. (main.ts runs this for the real process.)

import { parseFlags, usage, closest, UsageError, type CommandSpec } from './flags.ts';
import { runControllerManager, runScheduler, runSim, controllerManagerSettings } from './component-commands.ts';
import { controllerManagerCommandFlags, schedulerCommandFlags, simCommandFlags } from './component-flags.ts';
import type { ControllerManagerFlagValues } from './controller-manager-flags.ts';
import { runUntilSignal } from './run-until-signal.ts';
import { apiserverFlags, serverFlags, toControlPlaneConfig } from './server-flags.ts';
import { apiserverComponents, serverComponents, startControlPlane, type Component } from './server.ts';
import { k8tsVersion } from './version.ts';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

interface Subcommand {
  spec: CommandSpec;
  run(args: string[], values: Record<string, unknown>, io: Io): Promise<number>;
}

const serverSpec = {
  name: 'k8ts server',
  summary: 'Run the control plane: API server, controller manager, scheduler (and simulated nodes).',
  description:
    'Runs the control plane: opens the store (SQLite at <data-dir>/state.db unless --datastore-endpoint),\n' +
    'creates the cluster certificates, serves the Kubernetes API over HTTPS and writes an admin\n' +
    'kubeconfig to <data-dir>/kubeconfig.yaml. Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.',
  flags: serverFlags,
};

const apiserverSpec = {
  ...serverSpec,
  name: 'k8ts apiserver',
  summary: 'Run only the API server.',
  description: serverSpec.description.replace('Runs the control plane', 'Runs only the API server'),
  flags: apiserverFlags,
};

const joinsCluster =
  'Joins the cluster of --kubeconfig (e.g. the one `k8ts apiserver` writes) like any other client.\n' +
  'Stops cleanly on Ctrl-C (SIGINT) or SIGTERM.';

const controllerManagerSpec = {
  name: 'k8ts controller-manager',
  summary: 'Run the controller manager against a cluster (upstream kube-controller-manager).',
  description: `Runs the controllers that drive actual state to desired state (kube-controller-manager).\n${joinsCluster}`,
  flags: controllerManagerCommandFlags,
};

const schedulerSpec = {
  name: 'k8ts scheduler',
  summary: 'Run the scheduler against a cluster (upstream kube-scheduler).',
  description: `Binds pending pods to nodes (kube-scheduler).\n${joinsCluster}`,
  flags: schedulerCommandFlags,
};

const simSpec = {
  name: 'k8ts sim',
  summary: 'Run simulated nodes against a cluster (KWOK-like fake kubelets).',
  description:
    'Registers N simulated nodes and acts as their kubelets: renews their Leases, reports them Ready,\n' +
    'runs the pods bound to them (Running, no containers) and confirms their deletion.\n' +
    joinsCluster,
  flags: simCommandFlags,
};

const versionSpec: CommandSpec = { name: 'k8ts version', summary: 'Print the k8ts version.', flags: {} };
const helpSpec: CommandSpec = { name: 'k8ts help', summary: 'Show help for k8ts or one of its commands.', flags: {}, args: '[COMMAND]' };

const subcommands: Record<string, Subcommand> = {
  server: {
    spec: serverSpec,
    run: async (_args, values, io) => {
      const controllerManager = await controllerManagerSettings(serverSpec.name, values as ControllerManagerFlagValues);
      const components = await serverComponents({
        controllerManager,
        simNodes: Number(values['sim-nodes']),
        simHeartbeatIntervalMs: Number(values['sim-heartbeat-interval']),
      });
      return runControlPlane(values, components, io);
    },
  },
  apiserver: { spec: apiserverSpec, run: (_args, values, io) => runControlPlane(values, apiserverComponents(), io) },
  'controller-manager': { spec: controllerManagerSpec, run: (_args, values, io) => runControllerManager(values as never, logTo(io)) },
  scheduler: { spec: schedulerSpec, run: (_args, values, io) => runScheduler(values as never, logTo(io)) },
  sim: { spec: simSpec, run: (_args, values, io) => runSim(values as never, logTo(io)) },
  version: {
    spec: versionSpec,
    run: async (_args, _values, io) => {
      io.out(`k8ts ${k8tsVersion()} (node ${process.version})\n`);
      return 0;
    },
  },
  help: {
    spec: helpSpec,
    run: async (args, _values, io) => {
      if (args.length === 0) {
        io.out(topLevelUsage());
        return 0;
      }
      const sub = subcommands[args[0]!];
      if (!sub) return unknownCommand(args[0]!, io);
      io.out(usage(sub.spec));
      return 0;
    },
  },
};

export function topLevelUsage(): string {
  const names = Object.keys(subcommands);
  const width = Math.max(...names.map((n) => n.length));
  const lines = ['k8ts: Kubernetes, written in TypeScript.', '', 'Usage: k8ts COMMAND [flags]', '', 'Commands:'];
  for (const name of names) lines.push(`  ${name.padEnd(width)}   ${subcommands[name]!.spec.summary}`);
  lines.push('', 'Run "k8ts COMMAND --help" for the flags of a command.');
  return `${lines.join('\n')}\n`;
}

function unknownCommand(name: string, io: Io): number {
  const guess = closest(name, Object.keys(subcommands));
  io.err(`k8ts: unknown command "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; commands: ${Object.keys(subcommands).join(', ')}\n`);
  return 2;
}

/** Runs one k8ts command line (without the program name) and returns the exit code. */
export async function runCli(argv: string[], io: Io = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    io.out(topLevelUsage());
    return 0;
  }
  if (name === '--version') return runCli(['version', ...rest], io);
  const sub = subcommands[name];
  if (!sub) return unknownCommand(name, io);
  try {
    const parsed = parseFlags(sub.spec, rest);
    if (parsed.help) {
      io.out(usage(sub.spec));
      return 0;
    }
    return await sub.run(parsed.args, parsed.values, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    io.err(`${sub.spec.name}: ${describeFailure(err)}\n`);
    return 1;
  }
}

/** Starts the control plane and serves until SIGINT or SIGTERM. */
async function runControlPlane(values: Record<string, unknown>, components: Component[], io: Io): Promise<number> {
  const config = toControlPlaneConfig(values as Parameters<typeof toControlPlaneConfig>[0]);
  const log = logTo(io);
  const plane = await startControlPlane(config, components, log);
  io.out(`export KUBECONFIG=${plane.kubeconfigPath}\n`);
  return runUntilSignal(plane, log, describeFailure);
}

function logTo(io: Io): (line: string) => void {
  return (line) => io.err(`${line}\n`);
}

function describeFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code === 'EADDRINUSE') return `${e.message} (another process holds the port; choose another with --port)`;
  if (e?.code === 'EACCES' && e.syscall === 'listen') return `${e.message} (ports below 1024 need privileges; choose another with --port)`;
  return e instanceof Error ? e.message : String(err);
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

// Command-line flags as upstream's components take them (spf13/pflag style): `--name value`,
// `--name=value`, booleans without a value, repeatable list flags; `-h`/`--help` on every
// command; durations in Go's syntax (`50s`, `1m30s`). Mistakes become one-line UsageErrors
// that say how to fix them.

import { durationFromJSON, durationToJSON } from '../api/protobuf/time.ts';

export type FlagKind = 'string' | 'int' | 'float' | 'duration' | 'bool' | 'list';

export interface FlagKindValues {
  string: string;
  int: number;
  float: number;
  /** Milliseconds. */
  duration: number;
  bool: boolean;
  list: string[];
}

export interface FlagSpec<K extends FlagKind = FlagKind> {
  kind: K;
  help: string;
  default: FlagKindValues[K];
  /** Placeholder in usage, e.g. DIR or URL. */
  metavar?: string;
  /** How the default is shown when the value itself would mislead (e.g. "~/.k8ts"). */
  defaultText?: string;
  /** Returns why the value is unacceptable (ideally with an example of a good one), or undefined. */
  validate?: (value: FlagKindValues[K]) => string | undefined;
}

export type AnyFlagSpec = FlagSpec<'string'> | FlagSpec<'int'> | FlagSpec<'float'> | FlagSpec<'duration'> | FlagSpec<'bool'> | FlagSpec<'list'>;

export type FlagSpecs = Record<string, AnyFlagSpec>;

export type FlagValues<S extends FlagSpecs> = { [N in keyof S]: FlagKindValues[S[N]['kind']] };

export interface CommandSpec<S extends FlagSpecs = FlagSpecs> {
  /** e.g. `k8ts server` */
  name: string;
  summary: string;
  /** Longer text printed under the usage line. */
  description?: string;
  flags: S;
  /** Usage of positional arguments, e.g. `[COMMAND]`; absent: none are accepted. */
  args?: string;
}

export type ParseResult<S extends FlagSpecs> = { help: true } | { help: false; values: FlagValues<S>; args: string[] };

/** A mistake on the command line; `message` is the complete line to print (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const flag = {
  string: (help: string, defaultValue: string, extra: Omit<FlagSpec<'string'>, 'kind' | 'help' | 'default'> = {}): FlagSpec<'string'> => ({
    kind: 'string',
    help,
    default: defaultValue,
    ...extra,
  }),
  int: (help: string, defaultValue: number, extra: Omit<FlagSpec<'int'>, 'kind' | 'help' | 'default'> = {}): FlagSpec<'int'> => ({
    kind: 'int',
    help,
    default: defaultValue,
    ...extra,
  }),
  float: (help: string, defaultValue: number, extra: Omit<FlagSpec<'float'>, 'kind' | 'help' | 'default'> = {}): FlagSpec<'float'> => ({
    kind: 'float',
    help,
    default: defaultValue,
    ...extra,
  }),
  /** A Go duration (`50s`, `1m30s`, `500ms`); the value is in milliseconds. */
  duration: (help: string, defaultMs: number, extra: Omit<FlagSpec<'duration'>, 'kind' | 'help' | 'default'> = {}): FlagSpec<'duration'> => ({
    kind: 'duration',
    help,
    default: defaultMs,
    ...extra,
  }),
  bool: (help: string, defaultValue = false): FlagSpec<'bool'> => ({ kind: 'bool', help, default: defaultValue }),
  list: (help: string, extra: Omit<FlagSpec<'list'>, 'kind' | 'help' | 'default'> = {}): FlagSpec<'list'> => ({
    kind: 'list',
    help,
    default: [],
    ...extra,
  }),
};

const TRUE_WORDS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export function parseFlags<S extends FlagSpecs>(command: CommandSpec<S>, argv: readonly string[]): ParseResult<S> {
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '-h' || a === '--help' || a === '-help')) return { help: true };
  const specs: FlagSpecs = command.flags;
  const values: Record<string, FlagKindValues[FlagKind]> = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  const args: string[] = [];
  const fail = (message: string): never => {
    throw new UsageError(`${command.name}: ${message}`);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      args.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = specs[name];
    if (!spec || !arg.startsWith('--')) {
      const guess = closest(name, Object.keys(specs));
      fail(`unknown flag ${arg.startsWith('--') ? '--' : '-'}${name}${guess ? ` (did you mean --${guess}?)` : ` (see ${command.name} --help)`}`);
    }
    let text: string;
    if (eq >= 0) {
      text = body.slice(eq + 1);
    } else if (spec!.kind === 'bool') {
      text = 'true';
    } else if (i + 1 < argv.length) {
      text = argv[++i]!;
    } else {
      return fail(`flag needs an argument: --${name} (e.g. --${name} ${spec!.metavar ?? defaultMetavar(spec!.kind)})`);
    }
    values[name] = convert(name, spec!, text, values[name], fail);
  }

  for (const [name, spec] of Object.entries(specs)) {
    const problem = spec.validate?.(values[name] as never);
    if (problem) fail(`invalid value ${showValue(spec, values[name]!)} for --${name}: ${problem}`);
  }
  if (command.args === undefined && args.length > 0) {
    fail(`unexpected argument "${args[0]}" (this command takes only flags; see ${command.name} --help)`);
  }
  return { help: false, values: values as FlagValues<S>, args };
}

function convert(
  name: string,
  spec: AnyFlagSpec,
  text: string,
  previous: FlagKindValues[FlagKind] | undefined,
  fail: (message: string) => never,
): FlagKindValues[FlagKind] {
  switch (spec.kind) {
    case 'string':
      return text;
    case 'int':
      if (!/^[+-]?\d+$/.test(text.trim())) fail(`invalid value "${text}" for --${name}: must be a whole number`);
      return Number(text.trim());
    case 'float':
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text.trim())) fail(`invalid value "${text}" for --${name}: must be a number (e.g. 0.1)`);
      return Number(text.trim());
    case 'duration':
      return parseDuration(text) ?? fail(`invalid value "${text}" for --${name}: must be a duration such as 50s, 1m30s or 500ms`);
    case 'bool':
      if (TRUE_WORDS.has(text)) return true;
      if (FALSE_WORDS.has(text)) return false;
      return fail(`invalid value "${text}" for --${name}: must be true or false`);
    case 'list': {
      // Each occurrence adds to the list; a comma-separated value adds several (pflag's StringSlice).
      const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      return [...(previous as string[]), ...items];
    }
  }
}

/** A Go duration string as milliseconds; undefined when it is not one (Go wants a unit except for "0"). */
export function parseDuration(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  try {
    return durationFromJSON(text.trim()) / 1e6;
  } catch {
    return undefined;
  }
}

/** Milliseconds as Go prints a duration: `50s`, `1m30s`, `500ms`. */
export function formatDuration(ms: number): string {
  return durationToJSON(Math.round(ms * 1e6));
}

function showValue(spec: AnyFlagSpec, value: FlagKindValues[FlagKind]): string {
  if (spec.kind === 'duration') return `"${formatDuration(value as number)}"`;
  return Array.isArray(value) ? `"${value.join(',')}"` : `"${String(value)}"`;
}

/** The usage text `--help` prints: every flag with its meaning and default. */
export function usage(command: CommandSpec): string {
  const lines = [`Usage: ${command.name}${Object.keys(command.flags).length > 0 ? ' [flags]' : ''}${command.args ? ` ${command.args}` : ''}`, ''];
  lines.push(command.description ?? command.summary, '');
  const entries = Object.entries(command.flags).map(([name, spec]) => {
    const left = spec.kind === 'bool' ? `--${name}` : `--${name} ${spec.metavar ?? defaultMetavar(spec.kind)}`;
    return { left, right: `${spec.help}${describeDefault(spec)}` };
  });
  entries.push({ left: '-h, --help', right: `Show this help for ${command.name}.` });
  const width = Math.max(...entries.map((e) => e.left.length));
  lines.push('Flags:');
  for (const entry of entries) lines.push(`  ${entry.left.padEnd(width)}   ${entry.right}`);
  return `${lines.join('\n')}\n`;
}

function defaultMetavar(kind: FlagKind): string {
  return { int: 'N', float: 'NUMBER', duration: 'DURATION', list: 'VALUE', string: 'STRING', bool: '' }[kind];
}

function describeDefault(spec: AnyFlagSpec): string {
  if (spec.defaultText !== undefined) return ` (default ${spec.defaultText})`;
  if (spec.kind === 'bool') return spec.default ? ' (default true)' : '';
  if (spec.kind === 'list') return (spec.default as string[]).length > 0 ? ` (default ${(spec.default as string[]).join(',')})` : ' (repeatable)';
  if (spec.kind === 'string') return spec.default === '' ? '' : ` (default "${spec.default}")`;
  if (spec.kind === 'duration') return ` (default ${formatDuration(spec.default as number)})`;
  return ` (default ${spec.default})`;
}

/** The candidate nearest to `word` by edit distance (transpositions count once), if near enough. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, flag, parseFlags, usage, UsageError, type CommandSpec } from '../../../src/cli/flags.ts';

const spec = {
  name: 'k8ts demo',
  summary: 'A demo command.',
  flags: {
    port: flag.int('Port to listen on.', 6443, { validate: (p) => (p < 1 || p > 65535 ? 'must be 1-65535' : undefined) }),
    'data-dir': flag.string('Where state lives.', '', { metavar: 'DIR', defaultText: '~/.k8ts' }),
    name: flag.string('A name.', 'x'),
    verbose: flag.bool('Say more.'),
    endpoint: flag.list('An endpoint.', { metavar: 'URL' }),
  },
} satisfies CommandSpec;

function parse(argv: string[]) {
  const result = parseFlags(spec, argv);
  assert.equal(result.help, false);
  return result as Extract<typeof result, { help: false }>;
}

function usageError(argv: string[]): string {
  try {
    parseFlags(spec, argv);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    return err.message;
  }
  assert.fail(`expected a usage error for ${argv.join(' ')}`);
}

test('defaults apply when no flags are given', () => {
  assert.deepEqual(parse([]).values, { port: 6443, 'data-dir': '', name: 'x', verbose: false, endpoint: [] });
});

test('values are taken as --flag value and --flag=value', () => {
  const { values } = parse(['--port', '8443', '--data-dir=/tmp/x', '--name', '--odd']);
  assert.equal(values.port, 8443);
  assert.equal(values['data-dir'], '/tmp/x');
  assert.equal(values.name, '--odd');
});

test('booleans need no value and accept =true/=false', () => {
  assert.equal(parse(['--verbose']).values.verbose, true);
  assert.equal(parse(['--verbose=false']).values.verbose, false);
  assert.equal(parse(['--verbose=1']).values.verbose, true);
  assert.match(usageError(['--verbose=maybe']), /^k8ts demo: invalid value "maybe" for --verbose: must be true or false$/);
});

test('list flags collect every occurrence and comma-separated values', () => {
  assert.deepEqual(parse(['--endpoint', 'a', '--endpoint=b,c']).values.endpoint, ['a', 'b', 'c']);
});

test('a repeated single-value flag keeps the last value', () => {
  assert.equal(parse(['--port', '1', '--port', '2']).values.port, 2);
});

test('an unknown flag names the closest known one', () => {
  assert.equal(usageError(['--prot', '1']), 'k8ts demo: unknown flag --prot (did you mean --port?)');
  assert.equal(usageError(['--data-dri=/x']), 'k8ts demo: unknown flag --data-dri (did you mean --data-dir?)');
  assert.equal(usageError(['--zzzzzzzz']), 'k8ts demo: unknown flag --zzzzzzzz (see k8ts demo --help)');
  assert.equal(usageError(['-port', '1']), 'k8ts demo: unknown flag -port (did you mean --port?)');
});

test('bad values are refused in one line naming the flag and the fix', () => {
  assert.equal(usageError(['--port', 'abc']), 'k8ts demo: invalid value "abc" for --port: must be a whole number');
  assert.equal(usageError(['--port', '0']), 'k8ts demo: invalid value "0" for --port: must be 1-65535');
  assert.equal(usageError(['--port']), 'k8ts demo: flag needs an argument: --port (e.g. --port N)');
});

test('positional arguments are refused by commands that take none, and -- ends the flags', () => {
  assert.match(usageError(['extra']), /unexpected argument "extra"/);
  const withArgs = parseFlags({ ...spec, args: '[FILE]' }, ['--verbose', 'a', '--', '--port']);
  assert.equal(withArgs.help, false);
  assert.deepEqual(withArgs.help === false && withArgs.args, ['a', '--port']);
});

test('-h and --help ask for help before anything is validated', () => {
  assert.deepEqual(parseFlags(spec, ['--port', 'abc', '--help']), { help: true });
  assert.deepEqual(parseFlags(spec, ['-h']), { help: true });
});

test('usage lists every flag with its meaning and default', () => {
  const text = usage(spec);
  assert.match(text, /^Usage: k8ts demo \[flags\]\n/);
  assert.match(text, /--port N +Port to listen on\. \(default 6443\)/);
  assert.match(text, /--data-dir DIR +Where state lives\. \(default ~\/\.k8ts\)/);
  assert.match(text, /--name STRING +A name\. \(default "x"\)/);
  assert.match(text, /--verbose +Say more\.\n/);
  assert.match(text, /--endpoint URL +An endpoint\. \(repeatable\)/);
  assert.match(text, /-h, --help +Show this help for k8ts demo\./);
});

test('closest suggests only near misses', () => {
  assert.equal(closest('prot', ['port', 'bind-address']), 'port');
  assert.equal(closest('insecure', ['insecure-port', 'port']), 'insecure-port');
  assert.equal(closest('banana', ['port', 'data-dir']), undefined);
});

// Entry point of the `k8ts` command (bin/k8ts.mjs, `npm start`).

import { runCli } from './commands.ts';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Exit on our own if some forgotten handle (a timer, a socket) would keep the process alive
// after the command is done; unref'd, so a clean process exits at once.
setTimeout(() => process.exit(code), 2000).unref();

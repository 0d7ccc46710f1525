// Entry point of the `k8ts` command (bin/k8ts.mjs, `npm start`).

import { runCli } from './commands.ts';

process.exitCode = await runCli(process.argv.slice(2));

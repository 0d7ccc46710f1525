// `npm run bench -- <name>` runs bench/<name>.ts's main(); with no name, lists the benchmarks.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const benchDir = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

const name = process.argv[2];
if (!name) {
  console.log(`benchmarks: ${available.join(', ')}\nrun one with: npm run bench -- <name>`);
} else if (!available.includes(name)) {
  console.error(`unknown benchmark ${JSON.stringify(name)}; available: ${available.join(', ')}`);
  process.exitCode = 2;
} else {
  const mod = (await import(pathToFileURL(join(benchDir, `${name}.ts`)).href)) as { main?: () => Promise<void> | void };
  if (typeof mod.main !== 'function') {
    console.error(`bench/${name}.ts exports no main()`);
    process.exitCode = 2;
  } else {
    await mod.main();
  }
}

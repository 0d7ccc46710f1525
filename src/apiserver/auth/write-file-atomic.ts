// Write-then-rename: readers (and a crash) see the old content or the new, never half a key.

import { chmod, rename, writeFile } from 'node:fs/promises';

export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, data, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}

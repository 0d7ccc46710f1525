// The k8ts release, read from package.json so there is one place to bump it.

import { readFileSync } from 'node:fs';

export function k8tsVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `v${pkg.version}`;
}

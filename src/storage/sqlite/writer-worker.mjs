// Entry point of the writer thread. A loader registered with tsx's register() in the main
// thread (bin/k8ts.mjs does that) is not inherited by worker threads, so this plain
// JavaScript file loads the TypeScript worker through tsx itself.
import { register } from 'tsx/esm/api';

register();
await import('./writer-worker.ts');

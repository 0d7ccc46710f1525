// A real API server on a temp SQLite file, plain HTTP on a free loopback port, for component
// tests that speak HTTP directly: the embeddable control plane with `insecure: true`.

import { startControlPlane } from '../../src/index.ts';
import type { Store } from '../../src/storage/store.ts';

export interface TestApiServer {
  url: string;
  store: Store;
  /** fetch relative to the server; JSON bodies are encoded; returns status, headers and parsed body. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  stop(): Promise<void>;
}

export async function startTestApiServer(): Promise<TestApiServer> {
  const server = await startControlPlane({ insecure: true, storage: 'temp-file' });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as any) : JSON.stringify(body);
      if (!headers['Content-Type']) (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    const res = await fetch(server.url + path, init);
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
  return { url: server.url, store: server.store, call, stop: server.stop };
}

// Writing answers: JSON bodies, `Status` errors, the `Warning` header.

import type { ServerResponse } from 'node:http';
import { StatusError, internalError, type Status } from '../api/errors.ts';

export function writeJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function writeBytes(res: ServerResponse, code: number, body: Buffer, contentType: string): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}

export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return internalError(msg);
}

export function writeError(res: ServerResponse, err: unknown): StatusError {
  const se = toStatusError(err);
  const status: Status = se.toStatus();
  if (se.details?.retryAfterSeconds && !res.headersSent) res.setHeader('Retry-After', String(se.details.retryAfterSeconds));
  writeJson(res, se.code, status);
  return se;
}

export function successStatus(details?: Record<string, unknown>): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) (s as any).details = details;
  return s;
}

/** `Warning: 299 - "message"` headers, as kubectl prints them. */
export function setWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  res.setHeader(
    'Warning',
    warnings.map((w) => `299 - "${w.replace(/["\\]/g, (c) => `\\${c}`)}"`),
  );
}

// A watch stream: newline-delimited JSON events read off one long HTTP response.

import type { IncomingMessage } from 'node:http';
import type { Status } from '../api/errors.ts';

export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** Carries only `metadata.resourceVersion` (and kind/apiVersion) of an object. */
  | { type: 'BOOKMARK'; object: T }
  | { type: 'ERROR'; object: Status };

/** Splits a text stream into lines, whatever the chunk boundaries. */
export class LineSplitter {
  private partial = '';

  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.filter((l) => l.trim().length > 0);
  }

  /** What is left once the stream ends (a last line with no newline). */
  end(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest.trim().length > 0 ? [rest] : [];
  }
}

const WATCH_EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** Parses one line; a malformed line becomes an ERROR event, as upstream's decoder reports it. */
export function parseWatchLine<T>(line: string): WatchEvent<T> {
  try {
    const ev = JSON.parse(line) as { type?: string; object?: unknown };
    if (typeof ev.type === 'string' && WATCH_EVENT_TYPES.has(ev.type) && typeof ev.object === 'object' && ev.object !== null) {
      return ev as WatchEvent<T>;
    }
    return decodeError(`unexpected watch event: ${line.slice(0, 200)}`);
  } catch (err) {
    return decodeError(`unable to decode watch event: ${(err as Error).message}`);
  }
}

function decodeError(message: string): WatchEvent<never> {
  return {
    type: 'ERROR',
    object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, reason: 'InternalError', message },
  };
}

// Pause the socket when the consumer falls this far behind.
const HIGH_WATER_MARK = 1000;

/**
 * The events of one watch request, as an async iterable. Iteration ends when the server
 * closes the stream (timeoutSeconds, restart, dropped connection) or `stop()` is called.
 * One consumer only.
 */
export class Watch<T> implements AsyncIterable<WatchEvent<T>> {
  private readonly queue: WatchEvent<T>[] = [];
  private waiting: ((r: IteratorResult<WatchEvent<T>>) => void) | undefined;
  private finished = false;
  private readonly splitter = new LineSplitter();
  private resolveDone!: () => void;
  /** Resolves once the stream has ended, for whatever reason. */
  readonly done: Promise<void> = new Promise((r) => (this.resolveDone = r));
  /** The transport error that ended the stream, if one did. */
  error: Error | undefined;

  constructor(
    private readonly response: IncomingMessage,
    private readonly abort: () => void,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      for (const line of this.splitter.push(chunk)) this.enqueue(parseWatchLine<T>(line));
    });
    response.on('end', () => {
      for (const line of this.splitter.end()) this.enqueue(parseWatchLine<T>(line));
      this.finish();
    });
    response.on('error', (err) => {
      this.error = err;
      this.finish();
    });
    response.on('close', () => this.finish());
  }

  stop(): void {
    if (this.finished) return;
    this.queue.length = 0;
    this.finish();
    this.abort();
  }

  get stopped(): boolean {
    return this.finished;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    return {
      next: () => this.next(),
      return: async () => {
        this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  private next(): Promise<IteratorResult<WatchEvent<T>>> {
    const ev = this.queue.shift();
    if (ev) {
      if (this.queue.length < HIGH_WATER_MARK / 2 && this.response.isPaused()) this.response.resume();
      return Promise.resolve({ done: false, value: ev });
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private enqueue(ev: WatchEvent<T>): void {
    if (this.finished) return;
    const waiter = this.waiting;
    if (waiter) {
      this.waiting = undefined;
      waiter({ done: false, value: ev });
      return;
    }
    this.queue.push(ev);
    if (this.queue.length >= HIGH_WATER_MARK) this.response.pause();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const waiter = this.waiting;
    this.waiting = undefined;
    // Events already queued are still delivered; only then does iteration end.
    if (waiter) waiter({ done: true, value: undefined });
    this.resolveDone();
  }
}

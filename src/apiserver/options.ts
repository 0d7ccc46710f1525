// What it takes to start an API server, and what a running one gives back. The CLI and the
// embeddable control plane compose these; the server itself never opens a store or
// generates certificates.

import type { IncomingMessage } from 'node:http';
import type { Store } from '../storage/store.ts';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

/** Returns the user, `undefined` for "no credentials offered", or throws a 401 StatusError for bad ones. */
export type Authenticator = (req: IncomingMessage) => UserInfo | undefined;

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA that client certificates must chain to. */
  ca: string | Buffer;
}

export interface ApiServerOptions {
  store: Store;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Absent: plain HTTP (allowed only on loopback). */
  tls?: TlsOptions;
  /** Absent: every request is served as an anonymous cluster admin (tests, plain HTTP on loopback). */
  authenticate?: Authenticator;
  /** Default 10.96.0.0/12. */
  serviceClusterIPRange?: string;
  /** Default 30000-32767. */
  serviceNodePortRange?: string;
  /**
   * Also serve plain HTTP on 127.0.0.1 at this port without authentication (one server, two
   * listeners). Absent: no such listener; 0: a free port.
   */
  insecurePort?: number;
  /** PEM private key (EC P-256) that signs service account tokens; absent: a key for this run only. */
  serviceAccountKey?: string | Buffer;
  /** Progress and request-failure lines; default silent. */
  log?: (line: string) => void;
}

export interface RunningApiServer {
  /** e.g. https://127.0.0.1:6443 */
  url: string;
  port: number;
  /** The unauthenticated loopback listener, when `insecurePort` was given. */
  insecureUrl?: string;
  close(): Promise<void>;
}

// Who is asking: kube-apiserver's x509 and static-token authenticators in one union.
// A verified client certificate names the user in its CN and the groups in its O
// attributes; `Authorization: Bearer <token>` names the token file's user. The first
// method that succeeds wins; if one was offered and none succeeded the answer is 401;
// with no credentials at all the request is anonymous (undefined) and the server decides.

import { X509Certificate, type KeyObject } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { StatusError } from '../../api/errors.ts';
import type { Authenticator, UserInfo } from '../options.ts';

export const AUTHENTICATED_GROUP = 'system:authenticated';

const CLIENT_AUTH_USAGE = '1.3.6.1.5.5.7.3.2';
const ANY_USAGE = '2.5.29.37.0';
const MAX_CHAIN_LENGTH = 8;

export interface AuthenticatorOptions {
  /** The CA (PEM) client certificates must chain to. */
  caPem: string;
  /** Static bearer tokens (see token-file.ts). */
  tokens?: Map<string, UserInfo>;
  /** Told why a credential was refused (the client only ever sees "Unauthorized"). */
  onRejected?: (reason: string) => void;
}

type CertificateOutcome = { user: UserInfo } | { error: string } | undefined;

export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const ca = new X509Certificate(opts.caPem);
  const tokens = opts.tokens ?? new Map<string, UserInfo>();
  // A connection's peer certificate never changes, so each is verified once per connection.
  const verifiedSockets = new WeakMap<object, CertificateOutcome>();

  const fromCertificate = (req: IncomingMessage): CertificateOutcome => {
    const socket = req.socket as TLSSocket;
    if (!socket.encrypted) return undefined;
    if (verifiedSockets.has(socket)) return verifiedSockets.get(socket);
    const outcome = verifyPeer(socket, ca);
    verifiedSockets.set(socket, outcome);
    return outcome;
  };

  return (req) => {
    const errors: string[] = [];
    const certificate = fromCertificate(req);
    if (certificate && 'user' in certificate) return certificate.user;
    if (certificate) errors.push(certificate.error);

    const token = bearerToken(req);
    if (token !== undefined) {
      const user = token === '' ? undefined : tokens.get(token);
      if (user) return withAuthenticatedGroup(user);
      errors.push('invalid bearer token');
    }

    if (errors.length === 0) return undefined;
    opts.onRejected?.(errors.join('; '));
    throw new StatusError(401, 'Unauthorized', 'Unauthorized');
  };
}

/** The token of `Authorization: Bearer <token>`; undefined when no bearer credential is offered. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization?.trim();
  if (!header) return undefined;
  const parts = header.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  return parts[1]!;
}

function verifyPeer(socket: TLSSocket, ca: X509Certificate): CertificateOutcome {
  const peer = socket.getPeerCertificate(true);
  if (!peer || !peer.raw) return undefined;
  if (!socket.authorized) {
    return { error: `verifying certificate ${describe(peer)} failed: ${String(socket.authorizationError ?? 'not authorized')}` };
  }
  const leaf = new X509Certificate(peer.raw);
  const now = Date.now();
  if (now < Date.parse(leaf.validFrom) || now > Date.parse(leaf.validTo)) {
    return { error: `certificate ${describe(peer)} has expired or is not yet valid` };
  }
  if (!chainsTo(peer, ca)) return { error: `certificate ${describe(peer)} is not signed by the cluster CA` };
  const usages = leaf.keyUsage; // the extended key usages, when the extension is present
  if (usages && !usages.includes(CLIENT_AUTH_USAGE) && !usages.includes(ANY_USAGE)) {
    return { error: `certificate ${describe(peer)} is not valid for client authentication` };
  }
  const name = lastValue(peer.subject?.CN);
  if (!name) return { error: 'client certificate has no common name' };
  return { user: withAuthenticatedGroup({ name, groups: allValues(peer.subject?.O) }) };
}

/** Walks the presented chain upward until a certificate is signed by the CA's key. */
function chainsTo(peer: DetailedPeerCertificate, ca: X509Certificate): boolean {
  const caKey: KeyObject = ca.publicKey;
  let current: DetailedPeerCertificate | undefined = peer;
  for (let depth = 0; current?.raw && depth < MAX_CHAIN_LENGTH; depth++) {
    const cert = new X509Certificate(current.raw);
    if (cert.checkIssued(ca) && cert.verify(caKey)) return true;
    const issuer: DetailedPeerCertificate | undefined = current.issuerCertificate;
    if (!issuer?.raw || issuer === current) return false;
    const issuerCert = new X509Certificate(issuer.raw);
    if (!cert.checkIssued(issuerCert) || !cert.verify(issuerCert.publicKey)) return false;
    current = issuer;
  }
  return false;
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED_GROUP)) return user;
  return { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}

function allValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Go's pkix.Name keeps the last CN when a subject carries several. */
function lastValue(value: string | string[] | undefined): string | undefined {
  const values = allValues(value);
  return values[values.length - 1];
}

function describe(peer: DetailedPeerCertificate): string {
  return `"${lastValue(peer.subject?.CN) ?? '?'}" (serial ${peer.serialNumber ?? '?'})`;
}

// Service account tokens: JWTs (ES256) that the API server signs for serviceaccounts/token
// (`kubectl create token`) and accepts back as bearer tokens, with upstream's claims and user
// (system:serviceaccount:<ns>:<name>, groups system:serviceaccounts[:<ns>]).

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import type { UserInfo } from '../options.ts';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  issuer: string;
}

/** From a PEM private key, or a fresh key for a server that keeps none. */
export function serviceAccountSigner(pem?: string | Buffer, issuer = DEFAULT_ISSUER): ServiceAccountSigner {
  const privateKey = pem ? createPrivateKey(pem) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return { privateKey, publicKey: createPublicKey(privateKey), issuer };
}

export function generateServiceAccountKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export interface TokenSubject {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  /** The object the token is bound to (a Pod or Secret), as TokenRequest.spec.boundObjectRef. */
  bound?: { kind: string; name: string; uid?: string };
}

export function issueServiceAccountToken(signer: ServiceAccountSigner, s: TokenSubject, now = Date.now()): { token: string; expiresAt: Date } {
  const iat = Math.floor(now / 1000);
  const exp = iat + s.expirationSeconds;
  const k8s: any = { namespace: s.namespace, serviceaccount: { name: s.name, uid: s.uid } };
  if (s.bound) k8s[s.bound.kind.toLowerCase()] = { name: s.bound.name, uid: s.bound.uid };
  const claims = { aud: s.audiences, exp, iat, nbf: iat, iss: signer.issuer, sub: `system:serviceaccount:${s.namespace}:${s.name}`, 'kubernetes.io': k8s };
  const input = `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${signature.toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}

/** The user of a valid, unexpired token this server signed; undefined for anything else. */
export function verifyServiceAccountToken(signer: ServiceAccountSigner, token: string, now = Date.now()): UserInfo | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  let header: any;
  let claims: any;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (header?.alg !== 'ES256' || claims?.iss !== signer.issuer) return undefined;
  const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  if (!ok || typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return undefined;
  const sa = claims['kubernetes.io'];
  if (!sa?.namespace || !sa?.serviceaccount?.name) return undefined;
  return {
    name: `system:serviceaccount:${sa.namespace}:${sa.serviceaccount.name}`,
    uid: sa.serviceaccount.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
  };
}

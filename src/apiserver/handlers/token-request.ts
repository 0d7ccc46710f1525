// serviceaccounts/<name>/token (`kubectl create token`): a TokenRequest answered with a signed
// service account token, as upstream's TokenRequest API.

import type { ApiRequest } from './api-request.ts';
import { checkKind, readObject } from './write.ts';
import { writeObject } from './read.ts';
import { StatusError, fieldError, invalid } from '../../api/errors.ts';
import { nowRfc3339 } from '../../api/meta.ts';
import { issueServiceAccountToken, type ServiceAccountSigner } from '../auth/service-account-token.ts';

const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export async function handleTokenRequest(r: ApiRequest, signer: ServiceAccountSigner): Promise<void> {
  if (r.info.verb !== 'create') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const body = await readObject(r);
  checkKind(r.def, body, 'TokenRequest', 'authentication.k8s.io/v1');
  const sa = await r.store.get(r.info.namespace, r.info.name);
  const spec = body.spec ?? {};
  const expirationSeconds: number = spec.expirationSeconds ?? 3600;
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
    throw invalid('TokenRequest', 'authentication.k8s.io', r.info.name, [
      fieldError.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'),
    ]);
  }
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
    throw invalid('TokenRequest', 'authentication.k8s.io', r.info.name, [
      fieldError.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'),
    ]);
  }
  const audiences: string[] = spec.audiences?.length ? spec.audiences : [signer.issuer];
  const bound = spec.boundObjectRef ? { kind: spec.boundObjectRef.kind, name: spec.boundObjectRef.name, uid: spec.boundObjectRef.uid } : undefined;
  const { token, expiresAt } = issueServiceAccountToken(signer, {
    namespace: r.info.namespace,
    name: r.info.name,
    uid: sa.metadata.uid,
    audiences,
    expirationSeconds,
    bound,
  });
  const reply = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: r.info.name, namespace: r.info.namespace, creationTimestamp: nowRfc3339() },
    spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: { token, expirationTimestamp: nowRfc3339(expiresAt) },
  };
  writeObject(r, 201, reply);
}

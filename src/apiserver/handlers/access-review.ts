// authorization.k8s.io reviews (`kubectl auth can-i`). No authorization policy is enforced
// yet: every authenticated user may do everything, and the review says so.

import type { ApiRequest } from './api-request.ts';
import { readObject, checkKind } from './write.ts';
import { writeObject } from './read.ts';

export async function handleAccessReview(r: ApiRequest): Promise<void> {
  const review = await readObject(r);
  checkKind(r.def, review);
  review.metadata ??= {};
  review.metadata.creationTimestamp = null;
  const authenticated = r.ctx.user.groups.includes('system:masters') || r.ctx.user.groups.includes('system:authenticated');
  review.status = authenticated
    ? { allowed: true, reason: 'no authorization policy is enforced: every authenticated user is allowed' }
    : { allowed: false, reason: 'anonymous requests are not allowed' };
  writeObject(r, 201, review);
}

/** authentication.k8s.io SelfSubjectReview (`kubectl auth whoami`): who the server thinks you are. */
export async function handleSelfSubjectReview(r: ApiRequest): Promise<void> {
  const review = await readObject(r);
  checkKind(r.def, review);
  review.metadata = { ...(review.metadata ?? {}), creationTimestamp: null };
  const u = r.ctx.user;
  review.status = { userInfo: { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups } };
  writeObject(r, 201, review);
}

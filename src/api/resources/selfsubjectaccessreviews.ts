// authorization.k8s.io/v1 selfsubjectaccessreviews and subjectaccessreviews: create-only
// questions ("can I…?", "can they…?"); the API server fills status from its authorizer and
// stores nothing.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';

export function validateSelfSubjectAccessReview(review: any): FieldError[] {
  const spec = review.spec ?? {};
  const hasResource = !!spec.resourceAttributes;
  const hasNonResource = !!spec.nonResourceAttributes;
  if (hasResource && hasNonResource) {
    return [fieldError.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  }
  if (!hasResource && !hasNonResource) {
    return [fieldError.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  }
  return [];
}

export const selfsubjectaccessreviews: ResourceDefinition = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  listKind: 'SelfSubjectAccessReviewList',
  resource: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  typeName: 'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  subresources: [],
  strategy: {
    validate: validateSelfSubjectAccessReview,
  },
};

export const subjectaccessreviews: ResourceDefinition = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SubjectAccessReview',
  listKind: 'SubjectAccessReviewList',
  resource: 'subjectaccessreviews',
  singular: 'subjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  typeName: 'io.k8s.api.authorization.v1.SubjectAccessReview',
  subresources: [],
  strategy: {
    validate: (review) => {
      const errs = validateSelfSubjectAccessReview(review);
      const spec = review.spec ?? {};
      if (!spec.user && !(spec.groups ?? []).length && !spec.uid) {
        errs.push(fieldError.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
      }
      return errs;
    },
  },
};

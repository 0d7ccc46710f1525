// authorization.k8s.io/v1 selfsubjectaccessreviews: create-only questions ("can I…?");
// the API server fills status from its authorizer and stores nothing.

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

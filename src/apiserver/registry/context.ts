// What a write carries besides the object: who asks, whether it is a dry run, how unknown
// fields are treated, and the warnings collected for the `Warning` header.

import type { UserInfo } from '../options.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface RequestContext {
  user: UserInfo;
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
  warnings: string[];
  userAgent?: string;
}

export function internalContext(user = 'system:apiserver'): RequestContext {
  return { user: { name: user, groups: ['system:masters'] }, dryRun: false, fieldValidation: 'Ignore', warnings: [] };
}

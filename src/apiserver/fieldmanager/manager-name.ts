// Who a write is recorded for: the `fieldManager` parameter, else (as upstream) the first
// segment of the User-Agent (`kubectl/v1.32.0 (linux/amd64) …` → `kubectl`).

import { invalid, fieldError } from '../../api/errors.ts';

export const FIELD_MANAGER_MAX_LENGTH = 128;

export function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0];
  let out = '';
  for (const ch of prefix) if (isPrintable(ch)) out += ch;
  return Buffer.byteLength(out) > FIELD_MANAGER_MAX_LENGTH ? Buffer.from(out).subarray(0, FIELD_MANAGER_MAX_LENGTH).toString() : out;
}

export function managerName(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager || managerFromUserAgent(userAgent);
}

/**
 * Checks the write options as upstream's ValidateCreateOptions/UpdateOptions/PatchOptions:
 * fieldManager at most 128 bytes of printable characters, required for apply; `force` only
 * for apply. `optionsKind` is `CreateOptions`, `UpdateOptions` or `PatchOptions`.
 */
export function validateWriteOptions(optionsKind: string, fieldManager: string | undefined, opts: { apply?: boolean; force?: string | null } = {}): void {
  const errs = [];
  if (opts.apply === false && opts.force !== undefined && opts.force !== null) {
    errs.push(fieldError.forbidden('force', 'may not be specified for non-apply patch'));
  }
  if (opts.apply && !fieldManager) errs.push(fieldError.required('fieldManager', 'is required for apply patch'));
  if (fieldManager) {
    if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX_LENGTH) {
      errs.push(fieldError.tooLong('fieldManager', FIELD_MANAGER_MAX_LENGTH));
    }
    for (const ch of fieldManager) {
      if (!isPrintable(ch)) {
        errs.push(fieldError.invalid('fieldManager', fieldManager, 'invalid characters'));
        break;
      }
    }
  }
  if (errs.length > 0) throw invalid(optionsKind, 'meta.k8s.io', '', errs);
}

function isPrintable(ch: string): boolean {
  return !/[\p{C}\p{Zl}\p{Zp}]/u.test(ch) && (ch === ' ' || !/\s/u.test(ch));
}

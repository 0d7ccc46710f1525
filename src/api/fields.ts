// Field selectors (`?fieldSelector=`), with the grammar, escaping and errors of
// apimachinery's pkg/fields: comma-separated `field=value`, `field==value`, `field!=value`.

import { badRequest } from './errors.ts';

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

/** Every requirement must hold; no requirements selects everything. */
export interface FieldSelector {
  requirements: FieldRequirement[];
}

export function everythingFields(): FieldSelector {
  return { requirements: [] };
}

/** fields.EscapeValue: backslash-escapes `\`, `,` and `=`. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue; a bare `,` or `=` or an unknown escape is an error. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Upstream prints the rune with %v, i.e. its code point.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.ParseSelector. Terms are sorted (as strings) as upstream does. Errors are 400. */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, operator, rhs] = split;
    requirements.push({ field, operator, value: unescapeFieldValue(rhs) });
  }
  return { requirements };
}

/** fields.SelectorFromSet: `field=value` for each entry. */
export function fieldSelectorFromSet(set: Record<string, string>): FieldSelector {
  return { requirements: Object.entries(set).map(([field, value]) => ({ field, operator: '=' as const, value })) };
}

/** Missing fields read as "" (fields.Set.Get). */
export function matchesFields(sel: FieldSelector, getField: (path: string) => string | undefined): boolean {
  return sel.requirements.every((r) => {
    const actual = getField(r.field) ?? '';
    return r.operator === '!=' ? actual !== r.value : actual === r.value;
  });
}

export function requirementsOf(sel: FieldSelector): FieldRequirement[] {
  return sel.requirements;
}

export function isEverythingFields(sel: FieldSelector): boolean {
  return sel.requirements.length === 0;
}

/** As fields.Selector.String(): `field=value` (== printed as =), values escaped, comma-joined. */
export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(',');
}

/** RequiresExactMatch: the value of an equality term on `field`, if any. */
export function requiresExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
}

/** The `metadata.name=X` term kubectl sends for list-then-watch, for the watch cache fast path. */
export function exactNameOf(sel: FieldSelector): string | undefined {
  return requiresExactMatch(sel, 'metadata.name');
}

/**
 * Rejects field paths the resource does not support, as the API server does while
 * converting field labels: 400 `field label not supported: spec.foo`.
 */
export function checkSupportedFields(sel: FieldSelector, supported: Iterable<string>): void {
  const allowed = new Set(supported);
  for (const r of sel.requirements) {
    if (!allowed.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
  }
}

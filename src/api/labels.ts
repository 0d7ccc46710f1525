// Label selectors (`?labelSelector=`, metav1.LabelSelector) and label key/value validation,
// with the grammar, printing and error wording of apimachinery's pkg/labels.

import { type FieldError, badRequest, fieldError } from './errors.ts';

/** selection.Operator spellings, as upstream. */
export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/**
 * A parsed selector: every requirement must match. `matchesNothing` marks the selector of a
 * nil metav1.LabelSelector (labels.Nothing()), which matches no object at all.
 */
export interface LabelSelector {
  requirements: LabelRequirement[];
  matchesNothing?: boolean;
}

/** The metav1.LabelSelector API type. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export type Labels = Record<string, string> | undefined | null;

/** labels.Everything(): the empty selector, matches every object. */
export function everything(): LabelSelector {
  return { requirements: [] };
}

/** labels.Nothing(): matches no object (a nil selector). */
export function nothing(): LabelSelector {
  return { requirements: [], matchesNothing: true };
}

export function isEverything(sel: LabelSelector): boolean {
  return !sel.matchesNothing && sel.requirements.length === 0;
}

export function matches(sel: LabelSelector, labels: Labels): boolean {
  if (sel.matchesNothing) return false;
  return sel.requirements.every((r) => requirementMatches(r, labels ?? {}));
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value as string);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      if (!/^[+-]?[0-9]+$/.test(value as string) || !/^[+-]?[0-9]+$/.test(r.values[0])) return false;
      const left = BigInt(value as string);
      const right = BigInt(r.values[0]);
      return r.operator === 'gt' ? left > right : left < right;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Printing (labels.Selector.String, metav1.FormatLabelSelector).

export function requirementToString(r: LabelRequirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    default:
      s += r.operator;
  }
  const values = r.values.length === 1 ? r.values[0] : [...r.values].sort().join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${s}(${values})` : s + values;
}

/** As labels.Selector.String(): requirements in key order, comma-separated ("" for everything/nothing). */
export function labelSelectorToString(sel: LabelSelector): string {
  return sel.requirements.map(requirementToString).join(',');
}

/** As metav1.FormatLabelSelector, used by `kubectl describe`: "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(obj: LabelSelectorObject | null | undefined): string {
  let sel: LabelSelector;
  try {
    sel = labelSelectorFromObject(obj);
  } catch {
    return '<error>';
  }
  return labelSelectorToString(sel) || '<none>';
}

// ---------------------------------------------------------------------------------------
// Building selectors.

function byKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

class SelectorError extends Error {}

/** labels.NewRequirement: validates key, values and their count for the operator. */
export function newRequirement(key: string, operator: LabelOperator, values: string[], path = ''): LabelRequirement {
  const errs: FieldError[] = [];
  const at = (child: string) => (path ? `${path}.${child}` : child);
  const keyErr = validateLabelKey(key, at('key'));
  if (keyErr) errs.push(keyErr);
  const valuesPath = at('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(fieldError.invalid(valuesPath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(fieldError.invalid(valuesPath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(fieldError.invalid(valuesPath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(fieldError.invalid(valuesPath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?[0-9]+$/.test(v)) {
          errs.push(fieldError.invalid(`${valuesPath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default:
      errs.push(
        fieldError.notSupported(at('operator'), operator, ['in', 'notin', '=', '==', '!=', 'gt', 'lt', 'exists', '!']),
      );
  }
  values.forEach((v, i) => {
    const msgs = labelValueErrors(v);
    if (msgs.length > 0) errs.push(fieldError.invalid(`${valuesPath}[${i}][${key}]`, v, msgs.join('; ')));
  });
  if (errs.length > 0) throw new SelectorError(aggregate(errs.map((e) => `${e.field}: ${e.message}`)));
  return { key, operator, values };
}

/** utilerrors.Aggregate's wording: one message alone, several in brackets. */
function aggregate(msgs: string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** metav1.LabelSelectorAsSelector: nil matches nothing, empty matches everything. */
export function labelSelectorFromObject(obj: LabelSelectorObject | null | undefined): LabelSelector {
  if (obj === null || obj === undefined) return nothing();
  const matchLabels = obj.matchLabels ?? {};
  const expressions = obj.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + expressions.length === 0) return everything();
  const reqs: LabelRequirement[] = [];
  try {
    for (const [k, v] of Object.entries(matchLabels)) reqs.push(newRequirement(k, '=', [v]));
    for (const e of expressions) {
      const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator];
      if (!op) throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
      reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
    }
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
  return { requirements: byKey(reqs) };
}

/** labels.SelectorFromSet: equality requirements for each label. */
export function labelSelectorFromSet(set: Record<string, string>): LabelSelector {
  return { requirements: byKey(Object.entries(set).map(([key, v]) => ({ key, operator: '=' as const, values: [v] }))) };
}

// ---------------------------------------------------------------------------------------
// Parsing the string form (labels.Parse).

type Token =
  | 'error'
  | 'end'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '('
  | 'id';

const KEYWORD_TOKENS: Record<string, Token> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

const KEYWORDS = new Map(Object.entries(KEYWORD_TOKENS));
const keyword = (s: string): Token | undefined => KEYWORDS.get(s);

const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => '=!(),><'.includes(c) && c !== '';

function lex(s: string): { tok: Token; lit: string }[] {
  const out: { tok: Token; lit: string }[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos])) pos++;
    if (pos >= s.length) {
      out.push({ tok: 'end', lit: '' });
      return out;
    }
    if (isSpecial(s[pos])) {
      let buf = '';
      let last: { tok: Token; lit: string } | undefined;
      while (pos < s.length && isSpecial(s[pos])) {
        buf += s[pos];
        if (keyword(buf)) {
          last = { tok: keyword(buf) as Token, lit: buf };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      out.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = '';
      while (pos < s.length && !isSpecial(s[pos]) && !isWhitespace(s[pos])) buf += s[pos++];
      out.push({ tok: keyword(buf) ?? 'id', lit: buf });
    }
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly items: { tok: Token; lit: string }[]) {}

  /** In a values context the keywords `in`/`notin` are plain identifiers. */
  private peek(values: boolean): { tok: Token; lit: string } {
    const it = this.items[Math.min(this.pos, this.items.length - 1)];
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }
  private next(values: boolean): { tok: Token; lit: string } {
    const it = this.peek(values);
    this.pos++;
    return it;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === 'id' || tok === '!') {
        let r: LabelRequirement;
        try {
          r = this.requirement();
        } catch (err) {
          if (err instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${err.message}`);
          throw err;
        }
        reqs.push(r);
        const after = this.next(true);
        if (after.tok === 'end') return reqs;
        if (after.tok === ',') {
          const t2 = this.peek(true);
          if (t2.tok !== 'id' && t2.tok !== '!') throw new SelectorError(`found '${t2.lit}', expected: identifier after ','`);
          continue;
        }
        throw new SelectorError(`found '${after.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === 'end') return reqs;
      throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private requirement(): LabelRequirement {
    let operator: LabelOperator | undefined;
    let { tok, lit } = this.next(true);
    if (tok === '!') {
      operator = '!';
      ({ tok, lit } = this.next(true));
    }
    if (tok !== 'id') throw new SelectorError(`found '${lit}', expected: identifier`);
    const keyErr = validateLabelKey(lit, '<nil>');
    if (keyErr) throw new SelectorError(`${keyErr.field}: ${keyErr.message}`);
    const key = lit;
    const ahead = this.peek(true).tok;
    if (ahead === 'end' || ahead === ',') {
      return newRequirement(key, operator === '!' ? '!' : 'exists', []);
    }
    // `!key` is complete; whatever follows must be ',' or the end.
    if (operator === '!') return newRequirement(key, '!', []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, op, values);
  }

  private operator(): LabelOperator {
    const { tok, lit } = this.next(false);
    switch (tok) {
      case 'in':
        return 'in';
      case '=':
        return '=';
      case '==':
        return '==';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      case 'notin':
        return 'notin';
      case '!=':
        return '!=';
      default:
        throw new SelectorError(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new SelectorError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.peek(true);
    if (tok === 'id' || tok === ',') {
      const set = this.identifierList();
      if (this.next(true).tok !== ')') throw new SelectorError(`found '${lit}', expected: ')'`);
      return set;
    }
    if (tok === ')') {
      this.next(true);
      return [''];
    }
    throw new SelectorError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  /** Values are a set: sorted and unique, as sets.String.List(). */
  private identifierList(): string[] {
    const set = new Set<string>();
    const done = () => [...set].sort();
    for (;;) {
      const { tok, lit } = this.next(true);
      if (tok === 'id') {
        set.add(lit);
        const t2 = this.peek(true);
        if (t2.tok === ',') continue;
        if (t2.tok === ')') return done();
        throw new SelectorError(`found '${t2.lit}', expected: ',' or ')'`);
      } else if (tok === ',') {
        if (set.size === 0) set.add('');
        const t2 = this.peek(true).tok;
        if (t2 === ')') {
          set.add('');
          return done();
        }
        if (t2 === ',') set.add('');
      } else {
        throw new SelectorError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const ahead = this.peek(true).tok;
    if (ahead === 'end' || ahead === ',') return [''];
    const { tok, lit } = this.next(true);
    if (tok === 'id') return [lit];
    throw new SelectorError(`found '${lit}', expected: identifier`);
  }
}

/** labels.Parse: the `?labelSelector=` grammar. Errors are 400 BadRequest with upstream's wording. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: byKey(new Parser(lex(s)).parse()) };
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// Validation of label keys and values (content.IsLabelKey / IsLabelValue).

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  // Upstream joins "'x', " items with " or ", hence the double space.
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const maxLenError = (n: number) => `must be no more than ${n} characters`;

/** IsDNS1123Subdomain's messages ([] when valid). */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push(maxLenError(253));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** IsQualifiedName / IsLabelKey messages ([] when valid). */
export function labelKeyErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsValidLabelValue messages ([] when valid). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push(maxLenError(63));
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** One FieldError for an invalid label key (messages joined with "; "), or undefined. */
export function validateLabelKey(key: string, path: string): FieldError | undefined {
  const msgs = labelKeyErrors(key);
  return msgs.length > 0 ? fieldError.invalid(path, key, msgs.join('; ')) : undefined;
}

/** One FieldError for an invalid label value, or undefined. */
export function validateLabelValue(value: string, path: string): FieldError | undefined {
  const msgs = labelValueErrors(value);
  return msgs.length > 0 ? fieldError.invalid(path, value, msgs.join('; ')) : undefined;
}

/** metav1 validation.ValidateLabels: one error per message, all reported at `path`. */
export function validateLabels(labels: Record<string, string> | undefined | null, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of labelKeyErrors(k)) errs.push(fieldError.invalid(path, k, m));
    for (const m of labelValueErrors(v)) errs.push(fieldError.invalid(path, v, m));
  }
  return errs;
}

/** metav1 validation.ValidateLabelSelector (for spec.selector fields). */
export function validateLabelSelector(sel: LabelSelectorObject | null | undefined, path: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const at = `${path}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) errs.push(fieldError.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(fieldError.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(fieldError.invalid(`${at}.operator`, e.operator, 'not a valid selector operator'));
    }
    for (const m of labelKeyErrors(e.key)) errs.push(fieldError.invalid(`${at}.key`, e.key, m));
    values.forEach((v, j) => {
      for (const m of labelValueErrors(v)) errs.push(fieldError.invalid(`${at}.values[${j}]`, v, m));
    });
  });
  return errs;
}

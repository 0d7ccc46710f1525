// A subset of CEL, enough for the common `x-kubernetes-validations` rules: literals, `self`
// and `oldSelf`, field and index access, `has()`, arithmetic, comparisons, `&&` `||` `!`,
// `?:`, `in`, list and map literals, size/string functions and the all/exists/exists_one/
// filter/map macros. A rule using anything else does not compile, and is not enforced.

export type CelValue = null | boolean | number | string | CelValue[] | { [k: string]: CelValue } | undefined;

type Node =
  | { t: 'lit'; v: CelValue }
  | { t: 'id'; name: string }
  | { t: 'sel'; obj: Node; field: string }
  | { t: 'idx'; obj: Node; index: Node }
  | { t: 'has'; obj: Node; field: string }
  | { t: 'call'; fn: string; target?: Node; args: Node[] }
  | { t: 'macro'; fn: string; target: Node; v: string; body: Node; body2?: Node }
  | { t: 'un'; op: string; x: Node }
  | { t: 'bin'; op: string; a: Node; b: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'list'; items: Node[] }
  | { t: 'map'; entries: [Node, Node][] };

export class CelError extends Error {}

const FUNCTIONS = new Set(['size', 'startsWith', 'endsWith', 'contains', 'matches', 'lowerAscii', 'upperAscii', 'int', 'string', 'double', 'trim']);
const MACROS = new Set(['all', 'exists', 'exists_one', 'filter', 'map']);

function tokenize(src: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:(\d+\.\d+(?:[eE][+-]?\d+)?|\d+u?)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z0-9_]*)|(\|\||&&|==|!=|<=|>=|[-+*/%<>!?:.,()[\]{}]))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new CelError(`unexpected character at ${i}`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    i = re.lastIndex;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: string[]) {}

  parse(): Node {
    const n = this.expr();
    if (this.i < this.toks.length) throw new CelError(`unexpected ${this.toks[this.i]}`);
    return n;
  }

  private peek(): string | undefined {
    return this.toks[this.i];
  }

  private eat(t: string): boolean {
    if (this.toks[this.i] === t) {
      this.i++;
      return true;
    }
    return false;
  }

  private want(t: string): void {
    if (!this.eat(t)) throw new CelError(`expected ${t}`);
  }

  private expr(): Node {
    const c = this.binary(0);
    if (this.eat('?')) {
      const a = this.expr();
      this.want(':');
      return { t: 'cond', c, a, b: this.expr() };
    }
    return c;
  }

  private static readonly LEVELS = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>=', 'in'], ['+', '-'], ['*', '/', '%']];

  private binary(level: number): Node {
    if (level === Parser.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    for (;;) {
      const op = this.peek();
      if (!op || !Parser.LEVELS[level].includes(op)) return a;
      this.i++;
      a = { t: 'bin', op, a, b: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    if (this.eat('!')) return { t: 'un', op: '!', x: this.unary() };
    if (this.eat('-')) return { t: 'un', op: '-', x: this.unary() };
    return this.member();
  }

  private args(): Node[] {
    const args: Node[] = [];
    if (this.eat(')')) return args;
    do args.push(this.expr());
    while (this.eat(','));
    this.want(')');
    return args;
  }

  private member(): Node {
    let n = this.primary();
    for (;;) {
      if (this.eat('.')) {
        const name = this.toks[this.i++];
        if (!name || !/^[A-Za-z_]/.test(name)) throw new CelError('expected a field name');
        if (this.eat('(')) {
          if (MACROS.has(name)) {
            const v = this.toks[this.i++];
            if (!v || !/^[A-Za-z_]/.test(v)) throw new CelError('expected a variable');
            this.want(',');
            const body = this.expr();
            let body2: Node | undefined;
            if (name === 'map' && this.eat(',')) body2 = this.expr();
            this.want(')');
            n = { t: 'macro', fn: name, target: n, v, body, body2 };
          } else {
            if (!FUNCTIONS.has(name)) throw new CelError(`unsupported function ${name}`);
            n = { t: 'call', fn: name, target: n, args: this.args() };
          }
        } else {
          n = { t: 'sel', obj: n, field: name };
        }
      } else if (this.eat('[')) {
        const index = this.expr();
        this.want(']');
        n = { t: 'idx', obj: n, index };
      } else {
        return n;
      }
    }
  }

  private primary(): Node {
    const tok = this.toks[this.i++];
    if (tok === undefined) throw new CelError('unexpected end');
    if (tok === '(') {
      const n = this.expr();
      this.want(')');
      return n;
    }
    if (tok === '[') {
      const items: Node[] = [];
      if (!this.eat(']')) {
        do items.push(this.expr());
        while (this.eat(','));
        this.want(']');
      }
      return { t: 'list', items };
    }
    if (tok === '{') {
      const entries: [Node, Node][] = [];
      if (!this.eat('}')) {
        do {
          const k = this.expr();
          this.want(':');
          entries.push([k, this.expr()]);
        } while (this.eat(','));
        this.want('}');
      }
      return { t: 'map', entries };
    }
    if (/^\d/.test(tok)) return { t: 'lit', v: Number(tok.replace(/u$/, '')) };
    if (tok[0] === '"' || tok[0] === "'") return { t: 'lit', v: unquote(tok) };
    if (tok === 'true' || tok === 'false') return { t: 'lit', v: tok === 'true' };
    if (tok === 'null') return { t: 'lit', v: null };
    if (/^[A-Za-z_]/.test(tok)) {
      if (this.eat('(')) {
        if (tok === 'has') {
          const arg = this.expr();
          this.want(')');
          if (arg.t !== 'sel') throw new CelError('has() needs a field selection');
          return { t: 'has', obj: arg.obj, field: arg.field };
        }
        if (!FUNCTIONS.has(tok)) throw new CelError(`unsupported function ${tok}`);
        return { t: 'call', fn: tok, args: this.args() };
      }
      return { t: 'id', name: tok };
    }
    throw new CelError(`unexpected ${tok}`);
  }
}

function unquote(tok: string): string {
  const body = tok.slice(1, -1);
  return body.replace(/\\(.)/g, (_, c) => ({ n: '\n', t: '\t', r: '\r' })[c as 'n'] ?? c);
}

/** Compiles a rule; throws CelError when it uses more than this subset knows. */
export function compileCel(rule: string): Node {
  return new Parser(tokenize(rule)).parse();
}

/** Whether a compiled rule reads `oldSelf` (a transition rule, checked on updates only). */
export function usesOldSelf(n: Node): boolean {
  return JSON.stringify(n).includes('"name":"oldSelf"');
}

function isObject(v: CelValue): v is { [k: string]: CelValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function equal(a: CelValue, b: CelValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return a === b;
}

function num(v: CelValue): number {
  if (typeof v !== 'number') throw new CelError('no such overload');
  return v;
}

function compare(a: CelValue, b: CelValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new CelError('no such overload');
}

export function evalCel(n: Node, vars: Record<string, CelValue>): CelValue {
  const ev = (x: Node, scope = vars) => evalCel(x, scope);
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'id':
      if (!(n.name in vars)) throw new CelError(`undeclared reference to '${n.name}'`);
      return vars[n.name];
    case 'sel': {
      const o = ev(n.obj);
      if (!isObject(o) || !(n.field in o)) throw new CelError(`no such key: ${n.field}`);
      return o[n.field];
    }
    case 'idx': {
      const o = ev(n.obj);
      const k = ev(n.index);
      if (Array.isArray(o) && typeof k === 'number') {
        if (k < 0 || k >= o.length) throw new CelError(`index out of bounds: ${k}`);
        return o[k];
      }
      if (isObject(o) && typeof k === 'string') {
        if (!(k in o)) throw new CelError(`no such key: ${k}`);
        return o[k];
      }
      throw new CelError('no such overload');
    }
    case 'has': {
      const o = ev(n.obj);
      return isObject(o) && n.field in o && o[n.field] !== undefined;
    }
    case 'un': {
      const x = ev(n.x);
      if (n.op === '!') {
        if (typeof x !== 'boolean') throw new CelError('no such overload');
        return !x;
      }
      return -num(x);
    }
    case 'cond': {
      const c = ev(n.c);
      if (typeof c !== 'boolean') throw new CelError('no such overload');
      return c ? ev(n.a) : ev(n.b);
    }
    case 'list':
      return n.items.map((i) => ev(i));
    case 'map':
      return Object.fromEntries(n.entries.map(([k, v]) => [String(ev(k)), ev(v)]));
    case 'bin':
      return binary(n.op, n.a, n.b, ev);
    case 'call':
      return call(n.fn, n.target === undefined ? undefined : ev(n.target), n.args.map((a) => ev(a)), n.target !== undefined);
    case 'macro': {
      const target = ev(n.target);
      const items: CelValue[] = Array.isArray(target) ? target : isObject(target) ? Object.keys(target) : [];
      if (!Array.isArray(target) && !isObject(target)) throw new CelError('no such overload');
      const test = (x: CelValue, body = n.body) => ev(body, { ...vars, [n.v]: x });
      const truth = (x: CelValue) => {
        const r = test(x);
        if (typeof r !== 'boolean') throw new CelError('no such overload');
        return r;
      };
      switch (n.fn) {
        case 'all':
          return items.every(truth);
        case 'exists':
          return items.some(truth);
        case 'exists_one':
          return items.filter(truth).length === 1;
        case 'filter':
          return items.filter(truth);
        default:
          return n.body2 ? items.filter(truth).map((x) => test(x, n.body2)) : items.map((x) => test(x));
      }
    }
  }
}

function binary(op: string, an: Node, bn: Node, ev: (x: Node) => CelValue): CelValue {
  if (op === '&&' || op === '||') {
    // CEL's commutative logic: an error on one side is absorbed if the other decides.
    let a: CelValue;
    let aErr: unknown;
    try {
      a = ev(an);
    } catch (e) {
      aErr = e;
    }
    const decisive = op === '||';
    if (a === decisive) return decisive;
    const b = ev(bn);
    if (b === decisive) return decisive;
    if (aErr) throw aErr;
    if (typeof a !== 'boolean' || typeof b !== 'boolean') throw new CelError('no such overload');
    return !decisive;
  }
  const a = ev(an);
  const b = ev(bn);
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return compare(a, b) < 0;
    case '<=':
      return compare(a, b) <= 0;
    case '>':
      return compare(a, b) > 0;
    case '>=':
      return compare(a, b) >= 0;
    case 'in':
      if (Array.isArray(b)) return b.some((x) => equal(x, a));
      if (isObject(b) && typeof a === 'string') return a in b;
      throw new CelError('no such overload');
    case '+':
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      return num(a) + num(b);
    case '-':
      return num(a) - num(b);
    case '*':
      return num(a) * num(b);
    case '/': {
      if (num(b) === 0) throw new CelError('division by zero');
      const q = num(a) / num(b);
      return Number.isInteger(a) && Number.isInteger(b) ? Math.trunc(q) : q;
    }
    default:
      if (num(b) === 0) throw new CelError('modulus by zero');
      return num(a) % num(b);
  }
}

function call(fn: string, target: CelValue, args: CelValue[], method: boolean): CelValue {
  const subject = method ? target : args[0];
  const rest = method ? args : args.slice(1);
  switch (fn) {
    case 'size':
      if (typeof subject === 'string') return [...subject].length;
      if (Array.isArray(subject)) return subject.length;
      if (isObject(subject)) return Object.keys(subject).length;
      break;
    case 'startsWith':
    case 'endsWith':
    case 'contains':
      if (typeof subject === 'string' && typeof rest[0] === 'string') {
        return fn === 'startsWith' ? subject.startsWith(rest[0]) : fn === 'endsWith' ? subject.endsWith(rest[0]) : subject.includes(rest[0]);
      }
      break;
    case 'matches':
      if (typeof subject === 'string' && typeof rest[0] === 'string') return new RegExp(rest[0], 'u').test(subject);
      break;
    case 'lowerAscii':
    case 'upperAscii':
      if (typeof subject === 'string') return fn === 'lowerAscii' ? subject.replace(/[A-Z]/g, (c) => c.toLowerCase()) : subject.replace(/[a-z]/g, (c) => c.toUpperCase());
      break;
    case 'trim':
      if (typeof subject === 'string') return subject.trim();
      break;
    case 'int':
      if (typeof subject === 'number') return Math.trunc(subject);
      if (typeof subject === 'string' && /^-?\d+$/.test(subject)) return Number(subject);
      break;
    case 'double':
      if (typeof subject === 'number') return subject;
      if (typeof subject === 'string' && subject.trim() !== '' && !Number.isNaN(Number(subject))) return Number(subject);
      break;
    case 'string':
      if (typeof subject === 'string') return subject;
      if (typeof subject === 'number' || typeof subject === 'boolean') return String(subject);
      break;
  }
  throw new CelError(`no such overload for ${fn}`);
}

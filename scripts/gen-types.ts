// Generates TypeScript types for the built-in API types from the schema data, one file per
// package: src/api/types/<group>-<version>.ts (core-v1.ts, apps-v1.ts, meta-v1.ts, …).
// Run: node --import tsx scripts/gen-types.ts

import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

interface TypeRef {
  type: string;
  format?: string;
  ref?: string;
  items?: TypeRef;
  values?: TypeRef;
  named?: string;
  enum?: string[];
  enumMarker?: boolean;
  oneOf?: TypeRef[];
}
interface Field {
  json: string | null;
  inline: boolean;
  inlineType?: string;
  omitempty: boolean;
  optional: boolean;
  required: boolean;
  type: TypeRef;
}
interface TypeInfo {
  name: string;
  package: string;
  kind: 'struct' | 'named' | 'special';
  fields?: Field[];
  underlying?: TypeRef;
  enumMarker?: boolean;
  constants?: [string, string][];
  json?: TypeRef;
}

const dataFile = new URL('../src/api/schema/data/k8s-api-1.32.json', import.meta.url);
const outDir = new URL('../src/api/types/', import.meta.url);
const data = JSON.parse(readFileSync(dataFile, 'utf8')) as { packages: Record<string, { types: string[] }>; types: Record<string, TypeInfo> };
const types = data.types;

/** `core/v1` → `core-v1`, `util/intstr` → `intstr`, `api/resource` → `resource`. */
function moduleOf(pkg: string): string {
  if (pkg === 'util/intstr') return 'intstr';
  if (pkg === 'api/resource') return 'resource';
  return pkg.replace('/', '-');
}

const SPECIAL_TS: Record<string, string> = {
  Time: 'string',
  MicroTime: 'string',
  Duration: 'string',
  Quantity: 'string | number',
  QuantityValue: 'string | number',
  IntOrString: 'number | string',
  RawExtension: 'Record<string, unknown>',
  FieldsV1: 'Record<string, unknown>',
  JSON: 'unknown',
};

class ModuleWriter {
  private readonly imports = new Map<string, Map<string, string>>(); // module → (type name → local alias)
  private readonly localNames = new Set<string>();

  constructor(readonly module: string, names: string[]) {
    for (const n of names) this.localNames.add(types[n].name);
  }

  /** The TS name to use here for a schema type (importing it when it lives elsewhere). */
  nameOf(typeName: string): string {
    const t = types[typeName];
    const mod = moduleOf(t.package);
    if (mod === this.module) return t.name;
    let byName = this.imports.get(mod);
    if (!byName) this.imports.set(mod, (byName = new Map()));
    let alias = byName.get(t.name);
    if (!alias) {
      const taken = this.localNames.has(t.name) || [...this.imports.values()].some((m) => [...m.values()].includes(t.name));
      alias = taken ? `${mod.replace(/(^|-)(\w)/g, (_, _d, c: string) => c.toUpperCase())}${t.name}` : t.name;
      byName.set(t.name, alias);
    }
    return alias;
  }

  tsType(ref: TypeRef): string {
    if (ref.named && types[ref.named]?.kind === 'named' && types[ref.named].package !== 'types') return this.nameOf(ref.named);
    if (ref.ref) return this.nameOf(ref.ref);
    switch (ref.type) {
      case 'string':
        return ref.enumMarker && ref.enum?.length ? ref.enum.map((e) => JSON.stringify(e)).join(' | ') : 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        const item = this.tsType(ref.items!);
        return item.includes(' ') ? `(${item})[]` : `${item}[]`;
      }
      case 'map':
        return `Record<string, ${this.tsType(ref.values!)}>`;
      case 'quantity':
        return 'string | number';
      case 'int-or-string':
        return 'number | string';
      case 'raw-object':
        return 'Record<string, unknown>';
      default:
        return 'unknown';
    }
  }

  importLines(): string[] {
    return [...this.imports.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([mod, names]) => {
        const list = [...names.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, alias]) => (n === alias ? n : `${n} as ${alias}`));
        return `import type { ${list.join(', ')} } from './${mod}.ts';`;
      });
  }
}

function propName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function structFields(typeName: string): Field[] {
  const out: Field[] = [];
  for (const f of types[typeName].fields ?? []) {
    if (f.inline) {
      if (f.inlineType && types[f.inlineType]) out.push(...structFields(f.inlineType));
    } else if (f.json !== null) out.push(f);
  }
  return out;
}

function declaration(w: ModuleWriter, typeName: string): string {
  const t = types[typeName];
  if (t.kind === 'special') {
    const schemaOf = t.json?.oneOf?.map((o) => w.tsType(o)).join(' | ');
    return `export type ${t.name} = ${SPECIAL_TS[t.name] ?? schemaOf ?? 'unknown'};`;
  }
  if (t.kind === 'named') {
    const u = t.underlying!;
    if (u.type === 'string' && t.enumMarker && t.constants?.length) {
      return `export type ${t.name} = ${[...new Set(t.constants.map((c) => JSON.stringify(c[1])))].join(' | ')};`;
    }
    return `export type ${t.name} = ${w.tsType({ ...u, named: undefined })};`;
  }
  const lines = [`export interface ${t.name} {`];
  for (const f of structFields(typeName)) {
    const required = f.required || (!f.optional && !f.omitempty);
    lines.push(`  ${propName(f.json!)}${required ? '' : '?'}: ${w.tsType(f.type)};`);
  }
  lines.push('}');
  return lines.join('\n');
}

const byModule = new Map<string, string[]>();
for (const [name, t] of Object.entries(types)) {
  if (t.package === 'types') continue; // UID, NodeName…: plain strings, referenced inline
  const mod = moduleOf(t.package);
  byModule.set(mod, [...(byModule.get(mod) ?? []), name]);
}

mkdirSync(outDir, { recursive: true });
for (const f of readdirSync(outDir)) if (f.endsWith('.ts')) rmSync(new URL(f, outDir));
for (const [mod, names] of [...byModule.entries()].sort(([a], [b]) => a.localeCompare(b))) {
  const w = new ModuleWriter(mod, names);
  const seen = new Set<string>();
  const decls: string[] = [];
  for (const n of names.sort((a, b) => types[a].name.localeCompare(types[b].name))) {
    if (seen.has(types[n].name)) continue;
    seen.add(types[n].name);
    decls.push(declaration(w, n));
  }
  const header = [
    `// Generated by scripts/gen-types.ts from src/api/schema/data/k8s-api-1.32.json (package ${types[names[0]].package}). Do not edit.`,
    '',
  ];
  const imports = w.importLines();
  const text = [...header, ...imports, ...(imports.length ? [''] : []), decls.join('\n\n'), ''].join('\n');
  writeFileSync(new URL(`${mod}.ts`, outDir), text);
}
console.log(`wrote ${byModule.size} modules to ${outDir.pathname}`);

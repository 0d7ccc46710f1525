// Copies the API shape facts (../shared/k8s-api/k8s-api-1.32.json) into src/api/schema/data/,
// minified and without what k8ts never reads (Go struct tags for protobuf: decoding goes by
// the `proto` facts; deepcopy interfaces; Go import paths).
// Run: node --import tsx scripts/build-schema-data.ts [source.json]

import { readFileSync, writeFileSync } from 'node:fs';

const source = process.argv[2] ?? new URL('../../shared/k8s-api/k8s-api-1.32.json', import.meta.url).pathname;
const target = new URL('../src/api/schema/data/k8s-api-1.32.json', import.meta.url).pathname;

const data = JSON.parse(readFileSync(source, 'utf8'));
for (const type of Object.values<any>(data.types)) {
  delete type.deepcopyInterfaces;
  delete type.goPackage;
  for (const field of type.fields ?? []) delete field.protobuf;
}
for (const pkg of Object.values<any>(data.packages)) delete pkg.goPackage;

writeFileSync(target, JSON.stringify(data));
console.log(`wrote ${target} (${Object.keys(data.types).length} types)`);

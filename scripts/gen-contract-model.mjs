#!/usr/bin/env node
// Regenerates src/contract/imagebuilder-model.json from the Image Builder service model kept
// beside the repository (../shared/reference/). The product loads only the generated file, so
// this runs by hand when the model is updated:
//   node scripts/gen-contract-model.mjs
// It keeps what routing, validation and serialization need and drops the documentation prose.
// Unknown model keys stop the script: a newer model must be looked at, not silently trimmed.
import { readFileSync, writeFileSync } from 'node:fs';

const repo = new URL('../', import.meta.url);
const modelFile = new URL('../shared/reference/imagebuilder-2019-12-02.json', repo);
const pagersFile = new URL('../shared/reference/imagebuilder-paginators.json', repo);
const outFile = new URL('src/contract/imagebuilder-model.json', repo);

/** Keys dropped on purpose: prose, and `box` (nullable wrappers, meaningless in JSON). */
const IGNORED = new Set(['documentation', 'box', 'deprecated', 'deprecatedMessage']);
const OP_KEYS = new Set(['name', 'http', 'input', 'output', 'errors']);
const SHAPE_KEYS = new Set([
  'type', 'members', 'required', 'enum', 'pattern', 'min', 'max', 'member', 'key', 'value',
  'timestampFormat', 'error', 'exception', 'sensitive',
]);
const MEMBER_KEYS = new Set(['shape', 'location', 'locationName', 'idempotencyToken', 'timestampFormat']);

function pick(obj, allowed, where) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    if (IGNORED.has(k)) continue;
    if (!allowed.has(k)) throw new Error(`${where}: unknown model key '${k}'; extend gen-contract-model.mjs`);
    out[k] = v;
  }
  return out;
}

function convertOperation(name, op, pagers) {
  const o = pick(op, OP_KEYS, `operation ${name}`);
  const out = {
    name: o.name,
    http: { method: o.http.method, requestUri: o.http.requestUri },
    input: o.input?.shape,
    output: o.output?.shape,
    errors: (o.errors ?? []).map((e) => e.shape),
  };
  const p = pagers[name];
  if (p) {
    out.pagination = { inputToken: p.input_token, outputToken: p.output_token, resultKey: p.result_key };
    if (p.limit_key) out.pagination.limitKey = p.limit_key;
  }
  return out;
}

function convertShape(name, shape) {
  const s = pick(shape, SHAPE_KEYS, `shape ${name}`);
  if (s.members) {
    const members = {};
    for (const [m, ref] of Object.entries(s.members)) members[m] = pick(ref, MEMBER_KEYS, `${name}.${m}`);
    s.members = members;
  }
  // Flatten `{ shape: X }` references: the product only ever needs the name.
  for (const k of ['member', 'key', 'value']) {
    if (s[k]) s[k] = pick(s[k], new Set(['shape', 'locationName']), `${name}.${k}`).shape;
  }
  return s;
}

/** Objects with sorted keys, so regenerating an unchanged model yields the same bytes. */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}

const WIDTH = 110;

/** JSON laid out the way `biome format` does (objects open, short arrays on one line). */
function format(value, indent, prefixLength) {
  const pad = '  '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const scalar = value.every((v) => v === null || typeof v !== 'object');
    if (scalar && pad.length + prefixLength + flat.length + 1 <= WIDTH) return flat;
    const inner = value.map((v) => `${pad}  ${format(v, indent + 1, 0)}`);
    return `[\n${inner.join(',\n')}\n${pad}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{}';
    const inner = keys.map((k) => {
      const head = `${JSON.stringify(k)}: `;
      return `${pad}  ${head}${format(value[k], indent + 1, head.length)}`;
    });
    return `{\n${inner.join(',\n')}\n${pad}}`;
  }
  return JSON.stringify(value);
}

const model = JSON.parse(readFileSync(modelFile, 'utf8'));
const pagers = JSON.parse(readFileSync(pagersFile, 'utf8')).pagination ?? {};
const md = model.metadata;
const out = {
  metadata: {
    apiVersion: md.apiVersion,
    endpointPrefix: md.endpointPrefix,
    protocol: md.protocol,
    serviceId: md.serviceId,
    signingName: md.signingName,
  },
  operations: Object.fromEntries(
    Object.entries(model.operations).map(([n, op]) => [n, convertOperation(n, op, pagers)]),
  ),
  shapes: Object.fromEntries(Object.entries(model.shapes).map(([n, s]) => [n, convertShape(n, s)])),
};
for (const name of Object.keys(pagers)) {
  if (!out.operations[name]) throw new Error(`paginator for unknown operation ${name}`);
}
writeFileSync(outFile, `${format(sortKeys(out), 0, 0)}\n`);
console.log(
  `wrote ${outFile.pathname}: ${Object.keys(out.operations).length} operations, ` +
    `${Object.keys(out.shapes).length} shapes`,
);

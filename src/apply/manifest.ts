import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { normalizeName } from '../core/arn.js';
import { parseVersion } from '../core/semver.js';
import type { Kind, Obj } from './resources.js';
import { type KindSchema, PIPELINE_REFS, SCHEMAS, schemaOf } from './schema.js';

/** A name of another manifest resource, standing where the API wants its ARN. */
export interface RefMarker {
  readonly $ref: Kind;
  readonly name: string;
}

export const isRef = (v: unknown): v is RefMarker =>
  typeof v === 'object' && v !== null && typeof (v as RefMarker).$ref === 'string';

/** One resource as the manifest declares it: API request members, names still unresolved. */
export interface ManifestResource {
  readonly kind: Kind;
  readonly name: string;
  /** Versioned kinds: the version to create first (default 1.0.0). */
  readonly semanticVersion?: string;
  readonly members: Readonly<Obj>;
  readonly tags?: Readonly<Record<string, string>>;
  /** `file:line` of the entry, for messages. */
  readonly origin: string;
}

export interface Manifest {
  readonly resources: readonly ManifestResource[];
}

export interface ManifestSource {
  readonly path: string;
  readonly text: string;
}

/** Every problem found in the manifest, each naming file, line and the path as written. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} problems:\n  ${problems.join('\n  ')}`,
    );
  }
}

type Path = readonly (string | number)[];
const SECTIONS = new Map(SCHEMAS.map((s) => [s.section, s]));
const pathText = (path: Path) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/**
 * Parses and checks manifest files (merged in the order given). `readFile` reads the documents
 * that entries name with `file:`, resolved relative to the manifest that names them.
 */
export function parseManifest(
  sources: readonly ManifestSource[],
  readFile: (path: string) => string,
): Manifest {
  const problems: string[] = [];
  const resources: ManifestResource[] = [];
  for (const source of sources) parseSource(source, readFile, problems, resources);
  if (problems.length === 0) checkNames(resources, problems);
  if (problems.length > 0) throw new ManifestError(problems);
  return Object.freeze({ resources: Object.freeze(resources) });
}

function parseSource(
  source: ManifestSource,
  readFile: (p: string) => string,
  problems: string[],
  out: ManifestResource[],
) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter, prettyErrors: false });
  const where = (path: Path): string => {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return `${source.path}:${lineCounter.linePos(node.range[0]).line}`;
      if (p.length === 0) return source.path;
    }
  };
  const fail = (path: Path, message: string) =>
    problems.push(`${where(path)}: ${pathText(path)}: ${message}`);
  for (const e of doc.errors) {
    problems.push(`${source.path}:${lineCounter.linePos(e.pos[0]).line}: YAML: ${e.message.split('\n')[0]}`);
  }
  if (doc.errors.length > 0) return;
  if (doc.contents === null) return;
  if (!isMap(doc.contents)) {
    problems.push(
      `${source.path}:1: the manifest must be a mapping of sections (${[...SECTIONS.keys()].join(', ')})`,
    );
    return;
  }
  const top = doc.toJS() as Obj;
  for (const [section, list] of Object.entries(top)) {
    const schema = SECTIONS.get(section);
    if (!schema) {
      fail([section], `unknown section; use one of ${[...SECTIONS.keys()].join(', ')}`);
      continue;
    }
    if (list === null) continue;
    if (!isSeq(doc.get(section, true)) || !Array.isArray(list)) {
      fail([section], 'must be a list of entries');
      continue;
    }
    list.forEach((entry, i) => {
      const ctx: EntryContext = {
        schema,
        path: [section, i],
        fail,
        where,
        dir: dirname(source.path),
        readFile,
        problemCount: () => problems.length,
      };
      const resource = parseEntry(entry, ctx);
      if (resource) out.push(resource);
    });
  }
}

interface EntryContext {
  readonly schema: KindSchema;
  readonly path: Path;
  readonly fail: (path: Path, message: string) => void;
  readonly where: (path: Path) => string;
  readonly dir: string;
  readonly readFile: (p: string) => string;
  readonly problemCount: () => number;
}

function parseEntry(entry: unknown, ctx: EntryContext): ManifestResource | undefined {
  const { schema, path, fail } = ctx;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    fail(path, 'must be a mapping with at least a name');
    return undefined;
  }
  const e = { ...(entry as Obj) };
  const before = ctx.where(path);
  const errorsBefore = ctx.problemCount();
  const name = e.name;
  if (typeof name !== 'string' || name.trim() === '')
    fail([...path, 'name'], 'is required and must be a string');
  delete e.name;

  let semanticVersion: string | undefined;
  if (schema.versioned) {
    semanticVersion = e.semanticVersion === undefined ? '1.0.0' : String(e.semanticVersion);
    try {
      parseVersion(semanticVersion);
    } catch {
      fail([...path, 'semanticVersion'], `'${semanticVersion}' is not major.minor.patch (for example 1.0.0)`);
    }
  }
  delete e.semanticVersion;

  const tags = e.tags;
  if (tags !== undefined && (typeof tags !== 'object' || tags === null || Array.isArray(tags))) {
    fail([...path, 'tags'], 'must be a mapping of key: value');
  }
  delete e.tags;

  applySugar(e, ctx);
  for (const key of Object.keys(e)) {
    if (!schema.members.includes(key))
      fail([...path, key], `unknown member; ${schema.section} entries take name, ${allowed(schema)}`);
  }
  for (const key of schema.required) {
    if (e[key] === undefined) fail(path, `${requiredLabel(key)} is required`);
  }
  if (ctx.problemCount() > errorsBefore || typeof name !== 'string') return undefined;
  return Object.freeze({
    kind: schema.kind,
    name,
    ...(semanticVersion ? { semanticVersion } : {}),
    members: Object.freeze(e),
    ...(tags ? { tags: tags as Record<string, string> } : {}),
    origin: before,
  });
}

function allowed(schema: KindSchema): string {
  const sugar: Record<string, string[]> = {
    component: ['file'],
    workflow: ['file'],
    containerRecipe: ['dockerfileTemplateFile'],
    imagePipeline: PIPELINE_REFS.map(([s]) => s),
  };
  const extra = [...(schema.versioned ? ['semanticVersion'] : []), 'tags', ...(sugar[schema.kind] ?? [])];
  return [...extra, ...schema.members].join(', ');
}

function requiredLabel(member: string): string {
  const ref = PIPELINE_REFS.find(([, m]) => m === member);
  return ref ? `${ref[0]} (or ${member})` : member;
}

/** Manifest conveniences → API members: file contents, names in place of ARNs. */
function applySugar(e: Obj, ctx: EntryContext): void {
  const { schema, path } = ctx;
  const fileMember = schema.kind === 'containerRecipe' ? 'dockerfileTemplateFile' : 'file';
  const dataMember = schema.kind === 'containerRecipe' ? 'dockerfileTemplateData' : 'data';
  if (schema.kind === 'component' || schema.kind === 'workflow' || schema.kind === 'containerRecipe') {
    if (e[fileMember] !== undefined && e[dataMember] !== undefined) {
      fail(ctx, [...path, fileMember], `give either ${fileMember} or ${dataMember}, not both`);
    } else if (e[fileMember] !== undefined) {
      const file = resolve(ctx.dir, String(e[fileMember]));
      try {
        e[dataMember] = ctx.readFile(file);
      } catch (err) {
        fail(ctx, [...path, fileMember], `cannot read ${file}: ${(err as Error).message}`);
      }
    } else if (e[dataMember] === undefined && schema.kind !== 'containerRecipe') {
      fail(
        ctx,
        path,
        `${dataMember} (inline document) or ${fileMember} (path relative to the manifest) is required`,
      );
    }
    delete e[fileMember];
  }
  if (schema.kind === 'imageRecipe' || schema.kind === 'containerRecipe') {
    e.components = refList(e.components, [...path, 'components'], 'componentArn', 'component', ctx);
  }
  if (schema.kind === 'imagePipeline') {
    for (const [sugar, member, kind] of PIPELINE_REFS) {
      if (e[sugar] === undefined) continue;
      if (e[member] !== undefined) fail(ctx, [...path, sugar], `give either ${sugar} or ${member}, not both`);
      e[member] = { $ref: kind, name: String(e[sugar]) } satisfies RefMarker;
      delete e[sugar];
    }
    e.workflows = refList(e.workflows, [...path, 'workflows'], 'workflowArn', 'workflow', ctx);
  }
  for (const key of Object.keys(e)) if (e[key] === undefined) delete e[key];
}

/** A list whose items name another resource with `name:` or give its ARN member directly. */
function refList(list: unknown, path: Path, member: string, kind: Kind, ctx: EntryContext): unknown {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) {
    fail(ctx, path, 'must be a list');
    return list;
  }
  return list.map((item, i) => {
    if (typeof item === 'string') return { [member]: { $ref: kind, name: item } };
    if (typeof item !== 'object' || item === null) {
      fail(ctx, [...path, i], `must be a name or a mapping with name (or ${member})`);
      return item;
    }
    const { name, ...rest } = item as Obj;
    if (name === undefined) {
      if (rest[member] === undefined)
        fail(ctx, [...path, i], `needs name (a ${kind} in this manifest) or ${member}`);
      return rest;
    }
    if (rest[member] !== undefined)
      fail(ctx, [...path, i, 'name'], `give either name or ${member}, not both`);
    return { [member]: { $ref: kind, name: String(name) }, ...rest };
  });
}

function fail(ctx: EntryContext, path: Path, message: string): void {
  ctx.fail(path, message);
}

/** No two entries of a kind share a (normalized) name; every name used refers to an entry. */
function checkNames(resources: readonly ManifestResource[], problems: string[]): void {
  const seen = new Map<string, ManifestResource>();
  for (const r of resources) {
    const key = `${r.kind}:${normalizeName(r.name)}`;
    const first = seen.get(key);
    if (first)
      problems.push(
        `${r.origin}: ${schemaOf(r.kind).section}: '${r.name}' is also defined at ${first.origin}`,
      );
    else seen.set(key, r);
  }
  for (const r of resources) {
    forEachRef(r.members, (ref) => {
      if (seen.has(`${ref.$ref}:${normalizeName(ref.name)}`)) return;
      const defined = resources.filter((o) => o.kind === ref.$ref).map((o) => o.name);
      problems.push(
        `${r.origin}: ${r.name}: no ${schemaOf(ref.$ref).section} entry named '${ref.name}' in the manifest` +
          ` (defined: ${defined.length ? defined.join(', ') : 'none'}); define it or give its ARN`,
      );
    });
  }
}

export function forEachRef(value: unknown, visit: (ref: RefMarker) => void): void {
  if (isRef(value)) visit(value);
  else if (Array.isArray(value)) for (const v of value) forEachRef(v, visit);
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) forEachRef(v, visit);
}

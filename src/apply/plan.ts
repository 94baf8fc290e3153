import { formatArn, normalizeName, parseArn, type ResourceType, type WorkflowType } from '../core/arn.js';
import { compareVersions, formatVersion, parseVersion } from '../core/semver.js';
import { isRef, type Manifest, type ManifestResource } from './manifest.js';
import { type Kind, type Obj, RESOURCES, versionOf } from './resources.js';
import { KIND_ORDER, type KindSchema, schemaOf } from './schema.js';

/** What exists on the server: the newest version of each named resource, as Get answers it. */
export type CurrentState = ReadonlyMap<string, Obj>;

export const stateKey = (kind: Kind, name: string): string => `${kind}:${normalizeName(name)}`;

export type PlanActionType = 'create' | 'new-version' | 'update' | 'unchanged';

/** A reference to another manifest resource, pinned to the version this plan creates or finds. */
export interface PlannedRef {
  readonly $ref: Kind;
  readonly name: string;
  readonly version?: string;
}

export interface PlanAction {
  readonly kind: Kind;
  readonly name: string;
  readonly action: PlanActionType;
  /** Versioned kinds: the version created, or the existing one kept. */
  readonly version?: string;
  /** The existing resource's ARN (for update and unchanged). */
  readonly existingArn?: string;
  /** Members whose content differs from the server's copy (sorted). */
  readonly changes: readonly string[];
  /** Create or Update request members; names of other resources are PlannedRefs. */
  readonly request: Readonly<Obj>;
  readonly origin: string;
}

/**
 * Decides, without side effects, what `kiln apply` must do so the server matches the manifest.
 * Versioned resources (components, recipes, workflows) get a new version — the manifest's
 * semanticVersion if it is newer than the server's newest, else the newest's patch + 1 — only when
 * their content differs; references pin the exact version planned for their target, so a changed
 * component cascades to a new recipe version and a pipeline update. Others are created or updated.
 */
export function planApply(manifest: Manifest, state: CurrentState): PlanAction[] {
  const versions = new Map<string, string>();
  const workflowTypes = new Map<string, WorkflowType>();
  for (const r of manifest.resources) {
    if (r.kind === 'workflow')
      workflowTypes.set(normalizeName(r.name), String(r.members.type).toLowerCase() as WorkflowType);
  }
  const actions: PlanAction[] = [];
  for (const kind of KIND_ORDER) {
    for (const r of manifest.resources) {
      if (r.kind !== kind) continue;
      const action = planOne(r, state.get(stateKey(r.kind, r.name)), versions, workflowTypes);
      if (action.version) versions.set(stateKey(r.kind, r.name), action.version);
      actions.push(action);
    }
  }
  return actions;
}

function planOne(
  r: ManifestResource,
  existing: Obj | undefined,
  versions: ReadonlyMap<string, string>,
  workflowTypes: ReadonlyMap<string, WorkflowType>,
): PlanAction {
  const schema = schemaOf(r.kind);
  const members = pinRefs(r.members, versions) as Obj;
  const base = { kind: r.kind, name: r.name, origin: r.origin };
  const createRequest = (version?: string): Obj => ({
    name: r.name,
    ...(version ? { semanticVersion: version } : {}),
    ...members,
    ...(r.tags ? { tags: r.tags } : {}),
  });
  if (!existing) {
    const version = r.semanticVersion;
    return {
      ...base,
      action: 'create',
      ...(version ? { version } : {}),
      changes: [],
      request: createRequest(version),
    };
  }
  const existingArn = String(existing.arn);
  const changes = diffMembers(schema, members, existing, existingArn, workflowTypes);
  if (!schema.versioned) {
    const action = changes.length > 0 ? 'update' : 'unchanged';
    return { ...base, action, existingArn, changes, request: members };
  }
  const wanted = parseVersion(r.semanticVersion ?? '1.0.0');
  const newest = versionOf(existing);
  if (!newest || compareVersions(wanted, newest) > 0) {
    const version = formatVersion(wanted);
    return {
      ...base,
      action: 'new-version',
      version,
      changes: ['semanticVersion', ...changes],
      request: createRequest(version),
    };
  }
  if (changes.length === 0) {
    return {
      ...base,
      action: 'unchanged',
      version: formatVersion(newest),
      existingArn,
      changes,
      request: createRequest(),
    };
  }
  const version = formatVersion({ ...newest, patch: newest.patch + 1 });
  return { ...base, action: 'new-version', version, existingArn, changes, request: createRequest(version) };
}

/** Replaces each name reference with a PlannedRef carrying the version planned for its target. */
function pinRefs(value: unknown, versions: ReadonlyMap<string, string>): unknown {
  if (isRef(value)) {
    const version = versions.get(stateKey(value.$ref, value.name));
    return { $ref: value.$ref, name: value.name, ...(version ? { version } : {}) } satisfies PlannedRef;
  }
  if (Array.isArray(value)) return value.map((v) => pinRefs(v, versions));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pinRefs(v, versions)]));
  }
  return value;
}

/** Compared members that differ, after filling server defaults and writing references as ARNs. */
function diffMembers(
  schema: KindSchema,
  desired: Obj,
  existing: Obj,
  existingArn: string,
  workflowTypes: ReadonlyMap<string, WorkflowType>,
): string[] {
  let owner: { region: string; account: string } = { region: '', account: '' };
  try {
    owner = parseArn(existingArn, 'arn');
  } catch {
    // An ARN we cannot parse leaves references unequal, which plans an update: safe.
  }
  const refToArn = (ref: PlannedRef): string => {
    const type = RESOURCES[ref.$ref].arnType as ResourceType;
    const workflowType = ref.$ref === 'workflow' ? workflowTypes.get(normalizeName(ref.name)) : undefined;
    const version = ref.version ? parseVersion(ref.version) : undefined;
    return formatArn({
      ...owner,
      type,
      name: ref.name,
      ...(workflowType ? { workflowType } : {}),
      ...(version ? { version } : {}),
    });
  };
  const a = canonical(withDefaults(desired, schema), refToArn);
  const b = canonical(withDefaults(existing, schema), refToArn);
  return schema.compare.filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).sort();
}

function withDefaults(obj: Obj, schema: KindSchema): Obj {
  const out = structuredClone(obj);
  for (const [path, value] of schema.defaults) {
    let parent: Obj | undefined = out;
    for (const key of path.slice(0, -1)) {
      const next: unknown = parent?.[key];
      parent = typeof next === 'object' && next !== null ? (next as Obj) : undefined;
    }
    const last = path[path.length - 1] as string;
    if (parent && (parent[last] === undefined || parent[last] === null))
      parent[last] = structuredClone(value);
  }
  return out;
}

const REF_MEMBERS = new Set([
  'componentArn',
  'workflowArn',
  'imageRecipeArn',
  'containerRecipeArn',
  'infrastructureConfigurationArn',
  'distributionConfigurationArn',
]);
const DOCUMENT_MEMBERS = new Set(['data', 'dockerfileTemplateData']);

/**
 * A comparable form: keys sorted, empty values dropped (the server may omit what was sent empty),
 * references as normalized ARNs, documents without trailing blank space.
 */
function canonical(value: Obj, refToArn: (ref: PlannedRef) => string): Obj {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (v === null || v === undefined) return undefined;
    if (key !== undefined && REF_MEMBERS.has(key)) {
      if (isRef(v)) return refToArn(v as PlannedRef);
      if (typeof v === 'string') return normalizeArn(v);
    }
    if (typeof v === 'string')
      return key !== undefined && DOCUMENT_MEMBERS.has(key) ? v.replace(/\s+$/, '') : v;
    if (Array.isArray(v)) {
      const items = v.map((x) => walk(x, undefined)).filter((x) => x !== undefined);
      return items.length ? items : undefined;
    }
    if (typeof v === 'object') {
      const entries = Object.keys(v as Obj)
        .sort()
        .map((k) => [k, walk((v as Obj)[k], k)] as const)
        .filter(([, x]) => x !== undefined);
      return entries.length ? Object.fromEntries(entries) : undefined;
    }
    return v;
  };
  return (walk(value, undefined) as Obj | undefined) ?? {};
}

function normalizeArn(arn: string): string {
  try {
    const p = parseArn(arn, 'arn');
    return formatArn({ ...p, ...(p.version ? { version: p.version } : {}) });
  } catch {
    return arn;
  }
}

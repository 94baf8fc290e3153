import { formatArn, latestVersionReferences, normalizeName, parseArn } from '../core/arn.js';
import { KilnError, invalidValue } from '../core/errors.js';
import { formatVersion, parseVersionPattern, type SemanticVersion, versionSortKey } from '../core/semver.js';
import type { ResourceRecord } from '../store/store.js';
import { latestRefsOf } from './components.js';
import type { CallContext, Handler, Input, ServiceDeps } from './context.js';
import { compileFilters, type FilterFields } from './filters.js';
import { listByOwner } from './owners.js';
import { assertUnused, referenceKey, referenceKeysOf } from './dependents.js';
import { initialTags, resolveVersioned, versionOf } from './resources.js';

/** Debian suites Kiln builds parent trees for with mmdebstrap. */
export const DEBIAN_SUITES = [
  'bullseye',
  'bookworm',
  'trixie',
  'forky',
  'sid',
  'stable',
  'testing',
  'unstable',
];

export type RecipeType = 'image-recipe' | 'container-recipe';

/**
 * Picks the version a Create call makes: a concrete version must be new
 * (ResourceAlreadyExistsException), a `1.0.x` pattern takes the next free patch.
 */
export async function chooseRecipeVersion(
  deps: ServiceDeps,
  ctx: CallContext,
  type: RecipeType,
  name: string,
  semanticVersion: string,
): Promise<SemanticVersion> {
  const pattern = parseVersionPattern(semanticVersion, 'semanticVersion');
  const existing = await deps.store.findByName(
    { account: ctx.account, region: ctx.region, type },
    normalizeName(name),
  );
  if (pattern.patch !== 'x') {
    const v = pattern as SemanticVersion;
    if (existing.some((r) => r.versionKey === versionSortKey(v))) {
      throw new KilnError(
        'ResourceAlreadyExistsException',
        `The ${type.replace('-', ' ')} '${name}' version ${semanticVersion} already exists.`,
        {
          hint: 'Recipes are immutable: create a new version (or pass a pattern such as 1.0.x to take the next patch).',
        },
      );
    }
    return v;
  }
  if (pattern.major === 'x' || pattern.minor === 'x') {
    throw new KilnError(
      'InvalidVersionNumberException',
      `The value supplied for parameter 'semanticVersion' ('${semanticVersion}') may only wildcard the patch node (for example 1.0.x).`,
    );
  }
  const patches = existing
    .map(versionOf)
    .filter((v) => v.major === pattern.major && v.minor === pattern.minor)
    .map((v) => v.patch);
  return { major: pattern.major, minor: pattern.minor, patch: patches.length ? Math.max(...patches) + 1 : 0 };
}

export interface ResolvedComponentRef {
  readonly componentArn: string;
  readonly record: ResourceRecord;
}

/** Checks recipe components: each exists for the caller, matches the platform, appears once, parameters defined. */
export async function checkRecipeComponents(
  deps: ServiceDeps,
  ctx: CallContext,
  components: Input[] | undefined,
  platform: string,
): Promise<ResolvedComponentRef[]> {
  const seen = new Map<string, number>();
  const out: ResolvedComponentRef[] = [];
  for (const [i, c] of (components ?? []).entries()) {
    const member = `components[${i}].componentArn`;
    const record = await resolveVersioned(deps, ctx, c.componentArn, member, {
      type: 'component',
      action: 'imagebuilder:GetComponent',
      levels: 'any',
    }).catch((err: unknown) => {
      if (err instanceof KilnError && err.code === 'ResourceNotFoundException')
        throw invalidValue(member, err.message);
      throw err;
    });
    const key = referenceKey(c.componentArn);
    if (seen.has(key)) {
      throw new KilnError(
        'InvalidParameterCombinationException',
        `'${member}' repeats the component of components[${seen.get(key)}]; each component may appear once.`,
      );
    }
    seen.set(key, i);
    if (record.body.platform !== platform) {
      throw invalidValue(
        member,
        `The component is for ${String(record.body.platform)}, the recipe for ${platform}.`,
      );
    }
    const status = (record.body.state as { status?: string } | undefined)?.status;
    if (status === 'DEPRECATED' || status === 'DISABLED')
      throw invalidValue(member, `The component is ${status}.`);
    const defined = new Set(
      ((record.body.parameters as { name: string }[] | undefined) ?? []).map((p) => p.name),
    );
    const undefinedNames = ((c.parameters as { name: string }[] | undefined) ?? [])
      .map((p) => p.name)
      .filter((n) => !defined.has(n));
    if (undefinedNames.length > 0) {
      throw invalidValue(
        `components[${i}].parameters`,
        `The following parameters are not defined in the provided component: ${undefinedNames.join(', ')}.`,
      );
    }
    out.push({ componentArn: c.componentArn, record });
  }
  return out;
}

/** Kiln parent images: `debian:<suite>`, a Kiln image ARN, `ssm:<parameter>` or an image id. */
export function checkParentImage(parentImage: string): { platform: string; referencesImage?: string } {
  const debian = /^debian:([a-z0-9-]+)$/.exec(parentImage);
  if (debian) {
    if (!DEBIAN_SUITES.includes(debian[1] as string)) {
      throw invalidValue(
        'parentImage',
        `Unknown Debian suite '${debian[1]}'.`,
        `Known suites: ${DEBIAN_SUITES.join(', ')}.`,
      );
    }
    return { platform: 'Linux' };
  }
  if (parentImage.startsWith('arn:')) {
    const parsed = parseArn(parentImage, 'parentImage');
    if (parsed.type !== 'image') throw invalidValue('parentImage', 'An ARN parent must be an image ARN.');
    return { platform: 'Linux', referencesImage: parentImage };
  }
  if (/^ssm:[a-zA-Z0-9_.\-/]+$/.test(parentImage) || /^ami-[0-9a-f]{8,17}$/.test(parentImage))
    return { platform: 'Linux' };
  throw invalidValue(
    'parentImage',
    `'${parentImage}' is not a parent image Kiln knows.`,
    'Use debian:<suite> (e.g. debian:bookworm), an image ARN (wildcards allowed), ssm:/parameter/name or an imported image id (ami-…).',
  );
}

export function recipeArnParts(ctx: CallContext, type: RecipeType, name: string, version: SemanticVersion) {
  const parts = { region: ctx.region, account: ctx.account, type, name, version };
  return { arn: formatArn(parts), latest: latestVersionReferences(parts) };
}

export interface RecipeHandlerSpec {
  readonly type: RecipeType;
  /** `imageRecipeArn` / `containerRecipeArn`. */
  readonly arnMember: string;
  readonly getMember: string;
  readonly listMember: string;
  readonly readAction: string;
  readonly listAction: string;
  readonly filters: FilterFields;
  readonly summary: (r: ResourceRecord) => Record<string, unknown>;
}

/** Get, List and Delete are the same for image and container recipes but for their names. */
export function recipeReadHandlers(spec: RecipeHandlerSpec): {
  get: Handler;
  list: Handler;
  remove: Handler;
} {
  const lookup = (deps: ServiceDeps, ctx: CallContext, arn: string, levels: 'any' | 'version') =>
    resolveVersioned(deps, ctx, arn, spec.arnMember, { type: spec.type, action: spec.readAction, levels });
  return {
    get: async (deps, ctx, input) => {
      const r = await lookup(deps, ctx, input[spec.arnMember], 'any');
      return {
        requestId: ctx.requestId,
        [spec.getMember]: { ...r.body, tags: r.tags },
        latestVersionReferences: latestRefsOf(r),
      };
    },
    list: async (deps, ctx, input) => {
      const page = await listByOwner({
        deps,
        ctx,
        type: spec.type,
        owner: input.owner,
        listAction: spec.listAction,
        latestBuildsOnly: false,
        selectors: [input.owner, input.filters],
        maxResults: input.maxResults,
        nextToken: input.nextToken,
        keep: compileFilters(input.filters, spec.filters),
        map: spec.summary,
      });
      return { requestId: ctx.requestId, [spec.listMember]: page.items, nextToken: page.nextToken };
    },
    remove: async (deps, ctx, input) => {
      const r = await lookup(deps, ctx, input[spec.arnMember], 'version');
      if (r.account !== ctx.account)
        throw new KilnError('ForbiddenException', `Only the owner may delete '${r.arn}'.`);
      await assertUnused(deps, ctx, r);
      await deps.store.delete(r.arn);
      return { requestId: ctx.requestId, [spec.arnMember]: r.arn };
    },
  };
}

/**
 * Stores a new recipe version in one transaction: picks the version (a `1.0.x` pattern takes
 * the next patch), builds the body, indexes its references. Returns the Create answer's ARNs.
 */
export async function createRecipeVersion(
  deps: ServiceDeps,
  ctx: CallContext,
  type: RecipeType,
  input: Input,
  makeBody: (arn: string, version: string, now: number) => Record<string, unknown>,
): Promise<{ arn: string; latest: ReturnType<typeof recipeArnParts>['latest'] }> {
  return deps.store.transaction(async (store) => {
    const version = await chooseRecipeVersion(
      { ...deps, store },
      ctx,
      type,
      input.name,
      input.semanticVersion,
    );
    const { arn, latest } = recipeArnParts(ctx, type, input.name, version);
    const now = deps.clock.now();
    const body = makeBody(arn, formatVersion(version), now);
    await store.insert(
      {
        arn,
        account: ctx.account,
        region: ctx.region,
        type,
        nameKey: normalizeName(input.name),
        versionKey: versionSortKey(version),
        build: 0,
        body,
        tags: initialTags(input.tags),
        policy: undefined,
        dateCreated: now,
        dateUpdated: now,
      },
      referenceKeysOf(body),
    );
    return { arn, latest };
  });
}

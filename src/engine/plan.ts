import { createHash } from 'node:crypto';

/** A recipe component resolved to one build, with the parameters the recipe gives it. */
export interface ResolvedComponent {
  /** The build ARN the reference resolved to (`…/component/web/1.0.0/2`). */
  readonly arn: string;
  /** The reference as the recipe wrote it (`…/component/web/x.x.x`). */
  readonly reference: string;
  readonly name: string;
  /** The AWSTOE document text. */
  readonly data: string;
  readonly parameters: readonly { name: string; value: readonly string[] }[];
}

/** What the parent reference resolved to: its identity is the digest of its content. */
export interface ResolvedParent {
  readonly reference: string;
  readonly resolved: string;
  readonly digest: string;
}

export interface BuildPlanInput {
  readonly parent: ResolvedParent;
  readonly components: readonly ResolvedComponent[];
  /**
   * What a step can see from outside: for instances with network, the package mirror's state
   * (digests of the InRelease files of the instance's apt sources); '' for isolated instances.
   */
  readonly externalState: string;
  readonly layerCache: boolean;
}

/** The inputs a cache key was made of, kept so a miss can be explained later. */
export interface KeyInputs {
  readonly previousKey: string;
  readonly documentDigest: string;
  readonly parametersDigest: string;
  readonly externalState: string;
}

export interface PlannedComponent {
  readonly component: ResolvedComponent;
  readonly cacheKey: string;
  readonly keyInputs: KeyInputs;
}

export interface BuildPlan {
  readonly parent: ResolvedParent;
  readonly components: readonly PlannedComponent[];
  readonly layerCache: boolean;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export const documentDigest = (data: string): string => `sha256:${sha256(data)}`;

/** Parameters in a canonical order, so reordering them in the recipe keeps the key. */
export function parametersDigest(parameters: ResolvedComponent['parameters']): string {
  const sorted = [...parameters]
    .map((p) => [p.name, [...p.value]] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `sha256:${sha256(JSON.stringify(sorted))}`;
}

/** key_k = hash(key_{k-1}, document, parameters, external state), like BuildKit's chained keys. */
export const chainKey = (k: KeyInputs): string =>
  `sha256:${sha256([k.previousKey, k.documentDigest, k.parametersDigest, k.externalState].join('\n'))}`;

/** Pure: the build's steps with their chained cache keys; key_0 is the parent's digest. */
export function planBuild(input: BuildPlanInput): BuildPlan {
  let previousKey = input.parent.digest;
  const components = input.components.map((component) => {
    const keyInputs: KeyInputs = {
      previousKey,
      documentDigest: documentDigest(component.data),
      parametersDigest: parametersDigest(component.parameters),
      externalState: input.externalState,
    };
    const cacheKey = chainKey(keyInputs);
    previousKey = cacheKey;
    return { component, cacheKey, keyInputs };
  });
  return Object.freeze({
    parent: input.parent,
    components: Object.freeze(components),
    layerCache: input.layerCache,
  });
}

/**
 * Why a step's layer was not in the cache, comparing its key inputs with those of the same
 * component in the previous build (when there was one). Pure; shown in the build log.
 */
export function explainMiss(
  current: KeyInputs,
  previous: KeyInputs | undefined,
  layerCache: boolean,
): string {
  if (!layerCache) return 'layer cache turned off for this build';
  if (!previous) return 'first build of this component at this position';
  const reasons: string[] = [];
  if (current.previousKey !== previous.previousKey)
    reasons.push('the parent image or an earlier component changed');
  if (current.documentDigest !== previous.documentDigest) reasons.push('the component document changed');
  if (current.parametersDigest !== previous.parametersDigest) reasons.push('its parameters changed');
  if (current.externalState !== previous.externalState)
    reasons.push('the package mirror changed (new packages may be available)');
  return reasons.length > 0 ? reasons.join('; ') : 'the cached layer was removed';
}

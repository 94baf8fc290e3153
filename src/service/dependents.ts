import { KilnError } from '../core/errors.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, ServiceDeps } from './context.js';
import { resolveVersioned, TYPE_LABEL } from './resources.js';

/**
 * References are stored per dependent: unversioned targets by their ARN, versioned targets by
 * their name-level ARN (…:component/name), because a reference may be a wildcard. Deleting a
 * versioned resource is refused only when a dependent's reference resolves to it right now.
 */
export const nameLevelArn = (r: Pick<ResourceRecord, 'region' | 'account' | 'type' | 'nameKey'>): string =>
  `arn:aws:imagebuilder:${r.region}:${r.account}:${r.type}/${r.nameKey}`;

/** The reference string to store for a referenced ARN. */
export function referenceKey(arn: string): string {
  const m =
    /^(arn:aws[^:]*:imagebuilder:[^:]+:[^:]+:(component|image-recipe|container-recipe|image|workflow)\/(?:(?:build|test|distribution)\/)?[^/]+)\//.exec(
      arn,
    );
  return m ? (m[1] as string) : arn;
}

/** Every ARN a stored body references, by the member that holds it. */
export function referencesIn(body: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  const push = (v: unknown) => {
    if (typeof v === 'string' && v.startsWith('arn:')) out.push(v);
  };
  for (const c of (body.components as { componentArn?: string }[] | undefined) ?? []) push(c.componentArn);
  for (const w of (body.workflows as { workflowArn?: string }[] | undefined) ?? []) push(w.workflowArn);
  push(body.imageRecipeArn);
  push(body.containerRecipeArn);
  push(body.infrastructureConfigurationArn);
  push(body.distributionConfigurationArn);
  push(body.parentImage);
  return out;
}

const ACTION_BY_TYPE: Record<string, string> = {
  component: 'imagebuilder:GetComponent',
  'image-recipe': 'imagebuilder:GetImageRecipe',
  'container-recipe': 'imagebuilder:GetContainerRecipe',
  image: 'imagebuilder:GetImage',
  workflow: 'imagebuilder:GetWorkflow',
};

/** Throws ResourceDependencyException when another resource uses `record`. */
export async function assertUnused(
  deps: ServiceDeps,
  ctx: CallContext,
  record: ResourceRecord,
): Promise<void> {
  const versioned = record.versionKey !== '';
  const candidates = new Set([
    ...(await deps.store.dependentsOf(record.arn)),
    ...(versioned ? await deps.store.dependentsOf(nameLevelArn(record)) : []),
  ]);
  const users: string[] = [];
  for (const arn of candidates) {
    if (!versioned) {
      users.push(arn);
      continue;
    }
    const dependent = await deps.store.getResource(arn);
    if (!dependent) continue;
    for (const ref of referencesIn(dependent.body)) {
      if (referenceKey(ref) !== nameLevelArn(record)) continue;
      const action = ACTION_BY_TYPE[record.type] ?? 'imagebuilder:Get';
      const dependentCtx = { ...ctx, account: dependent.account };
      const resolved = await resolveVersioned(deps, dependentCtx, ref, 'reference', {
        type: record.type,
        action,
        levels: 'any',
      }).catch(() => undefined);
      if (resolved?.arn === record.arn) users.push(arn);
    }
  }
  if (users.length > 0) {
    throw new KilnError(
      'ResourceDependencyException',
      `The ${TYPE_LABEL[record.type]} '${record.arn}' cannot be deleted: it is used by ${users.slice(0, 5).join(', ')}${users.length > 5 ? ` and ${users.length - 5} more` : ''}.`,
      {
        hint: 'Delete or update those resources first (pipelines, then recipes, then components and configurations).',
      },
    );
  }
}

/** The reference keys a body should be indexed under. */
export const referenceKeysOf = (body: Readonly<Record<string, unknown>>): string[] => [
  ...new Set(referencesIn(body).map(referenceKey)),
];

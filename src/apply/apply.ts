import type { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { formatArn, parseArn } from '../core/arn.js';
import { isRef } from './manifest.js';
import { type PlanAction, type PlannedRef, stateKey } from './plan.js';
import { type Obj, RESOURCES } from './resources.js';

export interface AppliedResource {
  readonly action: PlanAction;
  /** The ARN references resolve to: the version ARN for versioned kinds. */
  readonly arn: string;
}

/** A plan step failed; `cause` is the API error, `action` says which resource and where it is declared. */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
  constructor(
    readonly action: PlanAction,
    override readonly cause: unknown,
  ) {
    super(`${describe(action)} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const describe = (a: PlanAction) => `${a.action} ${RESOURCES[a.kind].label} '${a.name}' (${a.origin})`;

/**
 * Carries out a plan in its order (dependencies first). References become the ARNs of the exact
 * versions this run created or found; `onDone` hears about each step as it finishes.
 */
export async function applyPlan(
  client: ImagebuilderClient,
  actions: readonly PlanAction[],
  onDone: (applied: AppliedResource) => void = () => {},
): Promise<AppliedResource[]> {
  const arns = new Map<string, string>();
  const applied: AppliedResource[] = [];
  for (const action of actions) {
    const ops = RESOURCES[action.kind];
    let arn: string;
    try {
      const request = resolveRefs(action.request, arns) as Obj;
      if (action.action === 'create' || action.action === 'new-version') {
        arn = (await ops.create(client, request)).arn;
      } else if (action.action === 'update') {
        if (!ops.update || !action.existingArn) throw new Error(`a ${ops.label} cannot be updated in place`);
        await ops.update(client, action.existingArn, request);
        arn = action.existingArn;
      } else {
        arn = action.existingArn as string;
      }
    } catch (err) {
      throw new ApplyError(action, err);
    }
    const done = { action, arn: ops.versioned ? withoutBuild(arn) : arn };
    arns.set(stateKey(action.kind, action.name), done.arn);
    applied.push(done);
    onDone(done);
  }
  return applied;
}

function resolveRefs(value: unknown, arns: ReadonlyMap<string, string>): unknown {
  if (isRef(value)) {
    const ref = value as PlannedRef;
    const arn = arns.get(stateKey(ref.$ref, ref.name));
    // The planner orders targets first, so a miss is a bug in the plan, not a user mistake.
    if (!arn)
      throw new Error(`internal: ${RESOURCES[ref.$ref].label} '${ref.name}' was not applied before use`);
    return arn;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, arns));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, arns)]));
  }
  return value;
}

/** `…/name/1.0.1/2` → `…/name/1.0.1`: recipes pin a version and take its newest build. */
function withoutBuild(arn: string): string {
  try {
    const p = parseArn(arn, 'arn');
    if (p.build === undefined) return arn;
    const { build: _build, ...rest } = p;
    return formatArn(rest);
  } catch {
    return arn;
  }
}

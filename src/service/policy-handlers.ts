import type { ResourceType } from '../core/arn.js';
import { KilnError } from '../core/errors.js';
import type { Handler } from './context.js';
import { parsePolicy } from './policies.js';
import { resolveVersioned, TYPE_LABEL } from './resources.js';

/** Put/Get*Policy for one shareable type: stored verbatim after validation; owner only. */
export function policyHandlers(
  type: ResourceType,
  member: string,
  readAction: string,
  levels: 'build' | 'version',
) {
  const lookup: (
    deps: Parameters<Handler>[0],
    ctx: Parameters<Handler>[1],
    arn: string,
  ) => ReturnType<typeof resolveVersioned> = (deps, ctx, arn) =>
    resolveVersioned(deps, ctx, arn, member, { type, action: readAction, levels });

  const put: Handler = async (deps, ctx, input) => {
    const record = await lookup(deps, ctx, input[member]);
    if (record.account !== ctx.account)
      throw new KilnError('ForbiddenException', `Only the owner may set the policy of '${record.arn}'.`);
    parsePolicy(input.policy, type);
    await deps.store.update(record.arn, { policy: input.policy });
    return { requestId: ctx.requestId, [member]: record.arn };
  };

  const get: Handler = async (deps, ctx, input) => {
    const record = await lookup(deps, ctx, input[member]);
    if (!record.policy)
      throw new KilnError(
        'ResourceNotFoundException',
        `The ${TYPE_LABEL[type]} '${record.arn}' has no policy.`,
      );
    return { requestId: ctx.requestId, policy: record.policy };
  };
  return { put, get };
}

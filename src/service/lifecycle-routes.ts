/**
 * Kiln's lifecycle endpoints beside the API: `POST /kiln/lifecycle/run {policyArn}` starts an
 * execution of a policy now, `POST /kiln/lifecycle/preview {policyArn}` answers the plan one
 * execution would carry out, changing nothing.
 */
import { KilnError } from '../core/errors.js';
import type { LifecycleDeps } from '../lifecycle/apply.js';
import { previewLifecycle } from '../lifecycle/preview.js';
import { executionOf } from '../lifecycle/records.js';
import { startPolicyExecution } from '../lifecycle/start.js';
import type { CallContext, ServiceDeps } from './context.js';
import { lifecycleExecutionShape } from './lifecycle-executions.js';
import { getOwned } from './resources.js';

type Route = (call: { ctx: CallContext; body: Record<string, unknown> }) => Promise<unknown>;

const policyOf = (deps: ServiceDeps, ctx: CallContext, body: Record<string, unknown>) => {
  if (typeof body.policyArn !== 'string' || body.policyArn === '')
    throw new KilnError('InvalidRequestException', "'policyArn' is required.", {
      hint: 'Pass the lifecycle policy ARN, e.g. from `kiln lifecycle-policy list`.',
    });
  return getOwned(deps, ctx, body.policyArn, 'policyArn', 'lifecycle-policy');
};

/** `deps` may carry `lifecycleHooks` (see LifecycleDeps); the composition root adds them. */
export function lifecycleRoutes(deps: ServiceDeps): Record<string, Route> {
  const lifecycle = deps as LifecycleDeps;
  return {
    'POST /kiln/lifecycle/run': async ({ ctx, body }) => {
      const policy = await policyOf(deps, ctx, body);
      if (policy.body.status !== 'ENABLED')
        throw new KilnError('InvalidRequestException', `The lifecycle policy '${policy.arn}' is DISABLED.`, {
          hint: 'Enable it with UpdateLifecyclePolicy (status ENABLED) first.',
        });
      const doc = await startPolicyExecution(deps, policy, 'MANUAL');
      const execution = lifecycleExecutionShape(executionOf(doc as NonNullable<typeof doc>));
      return { lifecycleExecutionId: execution.lifecycleExecutionId, lifecycleExecution: execution };
    },
    'POST /kiln/lifecycle/preview': async ({ ctx, body }) => {
      const policy = await policyOf(deps, ctx, body);
      return previewLifecycle(lifecycle, policy);
    },
  };
}

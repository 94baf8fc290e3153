/**
 * `kiln lifecycle preview`: the plan one execution of a policy would carry out now, from the
 * same inputs the executor reads, without changing anything.
 */
import type { ResourceRecord } from '../store/store.js';
import type { LifecycleDeps } from './apply.js';
import { loadLifecycleImages } from './inputs.js';
import { planLifecycle } from './plan.js';
import type { LifecyclePlan, LifecyclePolicyInput } from './types.js';

export async function previewLifecycle(deps: LifecycleDeps, policy: ResourceRecord): Promise<LifecyclePlan> {
  const inUse = (await deps.lifecycleHooks?.inUseByLaunchTemplates?.()) ?? new Set<string>();
  const { images } = await loadLifecycleImages(deps.store, deps.config.dataDir, policy, inUse);
  const input = { ...(policy.body as unknown as LifecyclePolicyInput), arn: policy.arn };
  return planLifecycle(input, images, deps.clock.now());
}

import { describePeriod, periodStart } from './period.js';
import { hasAnyTag, matchedTag } from './select.js';
import type { LifecycleImage, LifecyclePolicyDetail } from './types.js';

/** FAILED and CANCELLED builds: always eligible for DELETE, never take a retention slot. */
export const isFailedBuild = (status: string): boolean => status === 'FAILED' || status === 'CANCELLED';

/** One rule's verdict on one image: `eligible` when the rule's filter selects it. */
export interface RuleVerdicts {
  readonly eligible: Uint8Array;
  readonly reasons: string[];
}

/**
 * Runs one rule's filter over one recipe version's images, newest first (api.md §6 rule 4).
 * Tag-excluded images are kept and take no slot; then the newest images fill the retention
 * slots (`retainAtLeast` for AGE, `value` for COUNT); the rest are eligible when the filter
 * says so. FAILED/CANCELLED images skip all of this: eligible for DELETE, untouched otherwise.
 */
export function compileRule(detail: LifecyclePolicyDetail, now: number) {
  const { filter, action } = detail;
  const tagMap = detail.exclusionRules?.tagMap;
  const isDelete = action.type === 'DELETE';
  const slots = filter.type === 'COUNT' ? filter.value : (filter.retainAtLeast ?? 0);
  const period = filter.type === 'AGE' ? { value: filter.value, unit: filter.unit ?? 'DAYS' } : undefined;
  const retained = `retained: one of the newest ${slots} of its recipe version`;
  const eligibleReason = period
    ? `older than ${describePeriod(period)}${slots > 0 ? ` and not among the newest ${slots} of its recipe version` : ''}`
    : `not among the newest ${slots} of its recipe version`;
  // Computed once: MONTHS/YEARS need calendar arithmetic.
  const cutoff = period ? periodStart(now, period) : Number.POSITIVE_INFINITY;
  const young = period ? `newer than ${describePeriod(period)}` : '';
  const failedReason = isDelete
    ? 'failed or cancelled build: always eligible for DELETE'
    : 'failed or cancelled build';

  return (group: readonly number[], images: readonly LifecycleImage[], out: RuleVerdicts): void => {
    let used = 0;
    for (let g = 0; g < group.length; g++) {
      const i = group[g] as number;
      const image = images[i] as LifecycleImage;
      if (isFailedBuild(image.status)) {
        out.eligible[i] = isDelete ? 1 : 0;
        out.reasons[i] = failedReason;
      } else if (tagMap && hasAnyTag(image.tags, tagMap)) {
        out.reasons[i] = `excluded by tag ${matchedTag(image.tags, tagMap)}`;
      } else if (used < slots) {
        used++;
        out.reasons[i] = retained;
      } else if (image.dateCreated > cutoff) {
        out.reasons[i] = young;
      } else {
        out.eligible[i] = 1;
        out.reasons[i] = eligibleReason;
      }
    }
  };
}

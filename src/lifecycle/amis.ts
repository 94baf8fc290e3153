import { describePeriod, periodStart } from './period.js';
import { matchedTag } from './select.js';
import type { AmiPlan, LifecycleAmi, LifecyclePolicyDetail } from './types.js';

/**
 * One rule's AMI exclusions (api.md §6 rule 5) compiled once per run: returns the per-AMI
 * outcomes of the rule's action on an image. An excluded AMI is SKIPPED with the first
 * exclusion that holds; otherwise the action reaches it only when `includeResources.amis` is on.
 */
export function compileAmiPlanner(
  detail: LifecyclePolicyDetail,
  now: number,
): (amis: readonly LifecycleAmi[]) => AmiPlan[] {
  const rules = detail.exclusionRules?.amis;
  const includeAmis = detail.action.includeResources?.amis === true;
  const acted = `${detail.action.type} reaches this AMI`;
  const ll = rules?.lastLaunched;
  const launchedSince = ll ? periodStart(now, ll) : undefined;
  const launchedReason = ll ? `AMI launched within the last ${describePeriod(ll)}` : '';

  const exclusion = (ami: LifecycleAmi): string | undefined => {
    if (!rules) return undefined;
    if (rules.isPublic && ami.isPublic) return 'public AMI (exclusionRules.amis.isPublic)';
    if (rules.regions?.includes(ami.region)) return `AMI in excluded region ${ami.region}`;
    const shared = rules.sharedAccounts?.find((a) => ami.sharedAccounts.includes(a));
    if (shared !== undefined) return `AMI shared with excluded account ${shared}`;
    // Launched after the period's start: used recently (an AMI never launched is not protected).
    if (launchedSince !== undefined && ami.lastLaunched !== undefined && ami.lastLaunched > launchedSince)
      return launchedReason;
    const tag = matchedTag(ami.tags, rules.tagMap);
    return tag === undefined ? undefined : `AMI carries excluded tag ${tag}`;
  };

  return (amis) =>
    amis.map((ami): AmiPlan => {
      const excluded = exclusion(ami);
      const outcome = excluded ? 'SKIPPED' : includeAmis ? 'ACT' : 'UNTOUCHED';
      const reason = excluded ?? (includeAmis ? acted : 'includeResources.amis is off');
      return { region: ami.region, id: ami.id, accountId: ami.accountId, outcome, reason };
    });
}

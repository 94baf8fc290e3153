/**
 * `kiln lifecycle preview|run|executions POLICY`: what a lifecycle policy would do now (nothing
 * changes), run it now (optionally waiting for the end), and its executions.
 */
import {
  GetLifecycleExecutionCommand,
  type ImagebuilderClient,
  ListLifecycleExecutionResourcesCommand,
  ListLifecycleExecutionsCommand,
  type LifecycleExecution,
} from '@aws-sdk/client-imagebuilder';
import { expectPositionals, type FlagSpec, type ParsedArgs, usageText } from '../args.js';
import { CLIENT_FLAGS, type ClientContext } from '../client.js';
import { kilnCall } from '../kiln-http.js';
import { resolveArn } from '../resource-verbs.js';
import { JSON_FLAG, runClientVerb, toJson } from '../run.js';
import { renderTable } from '../table.js';
import type { Verb } from '../verb.js';

interface AmiPlanView {
  region: string;
  id: string;
  outcome: string;
  reason: string;
}
interface ImagePlanView {
  arn: string;
  outcome: string;
  action?: string;
  reason: string;
  amis: AmiPlanView[];
}
interface PlanView {
  images: ImagePlanView[];
  building: string[];
  counts: Record<string, number>;
}

const WAIT: FlagSpec = {
  name: 'wait',
  type: 'boolean',
  help: 'wait for the execution to end; exit 1 unless it succeeds',
};
const TERMINAL = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);
const POLICY = 'POLICY';

const verb = (
  name: string,
  synopsis: string,
  summary: string,
  flags: readonly FlagSpec[],
  body: (
    policyArn: string,
    parsed: ParsedArgs,
    ctx: ClientContext,
    out: (text: string) => void,
  ) => Promise<number>,
): Verb => ({
  path: ['lifecycle', name],
  summary,
  usage: usageText(`kiln lifecycle ${name} ${synopsis}`, summary, [...flags, JSON_FLAG, ...CLIENT_FLAGS]),
  run: (args, io) =>
    runClientVerb(args, io, [...flags, JSON_FLAG], async (parsed, ctx) => {
      const [ref] = expectPositionals(parsed, [POLICY]) as [string];
      const arn = await resolveArn(ctx.client, 'lifecyclePolicy', ref);
      return body(arn, parsed, ctx, (text) => io.stdout.write(text));
    }),
});

/** One row per image, then one per AMI an exclusion rule keeps (indented under its image). */
export function renderPlan(plan: PlanView): string {
  type Row = { image: string; action: string; reason: string };
  const rows: Row[] = [];
  for (const image of plan.images) {
    const action =
      image.outcome === 'ACT'
        ? String(image.action)
        : image.outcome === 'SKIPPED'
          ? `SKIPPED ${image.action}`
          : 'KEEP';
    rows.push({ image: image.arn, action, reason: image.reason });
    for (const ami of image.amis.filter((a) => a.outcome === 'SKIPPED'))
      rows.push({ image: `  ${ami.id} (${ami.region})`, action: 'SKIPPED', reason: ami.reason });
  }
  const counts = ['DEPRECATE', 'DISABLE', 'DELETE', 'SKIPPED', 'KEEP'].map(
    (k) => `${plan.counts[k] ?? 0} ${k}`,
  );
  const building = plan.building.length > 0 ? `; ${plan.building.length} still building (left alone)` : '';
  const table = renderTable(
    [
      { header: 'image', value: (r: Row) => r.image },
      { header: 'action', value: (r: Row) => r.action },
      { header: 'reason', value: (r: Row) => r.reason },
    ],
    rows,
  );
  return `${table}${counts.join(', ')}${building}\n`;
}

const EXECUTION_COLUMNS = [
  { header: 'execution', value: (e: LifecycleExecution) => e.lifecycleExecutionId },
  { header: 'status', value: (e: LifecycleExecution) => e.state?.status },
  { header: 'started', value: (e: LifecycleExecution) => e.startTime?.toISOString() },
  { header: 'ended', value: (e: LifecycleExecution) => e.endTime?.toISOString() },
  {
    header: 'impacted',
    value: (e: LifecycleExecution) => (e.resourcesImpactedSummary?.hasImpactedResources ? 'yes' : 'no'),
  },
  { header: 'reason', value: (e: LifecycleExecution) => e.state?.reason },
];

async function waitForEnd(client: ImagebuilderClient, id: string): Promise<LifecycleExecution> {
  for (let delay = 200; ; delay = Math.min(delay * 2, 2_000)) {
    const got = await client.send(new GetLifecycleExecutionCommand({ lifecycleExecutionId: id }));
    const exec = got.lifecycleExecution ?? {};
    if (TERMINAL.has(exec.state?.status ?? '')) return exec;
    await new Promise((r) => setTimeout(r, delay));
  }
}

export const lifecycleVerbs: Verb[] = [
  verb(
    'preview',
    POLICY,
    'show what the policy would do now (changes nothing)',
    [],
    async (arn, parsed, { settings }, out) => {
      const plan = await kilnCall<PlanView>(
        settings,
        'POST',
        '/kiln/lifecycle/preview',
        {},
        { policyArn: arn },
      );
      out(parsed.boolean('json') ? toJson(plan) : renderPlan(plan));
      return 0;
    },
  ),
  verb(
    'run',
    `${POLICY} [--wait]`,
    'run the policy now; --wait prints its resources when it ends',
    [WAIT],
    async (arn, parsed, { client, settings }, out) => {
      const started = await kilnCall<{ lifecycleExecutionId: string }>(
        settings,
        'POST',
        '/kiln/lifecycle/run',
        {},
        { policyArn: arn },
      );
      const id = started.lifecycleExecutionId;
      if (!parsed.boolean('wait')) {
        out(parsed.boolean('json') ? toJson(started) : `${id}\n`);
        return 0;
      }
      const exec = await waitForEnd(client, id);
      const resources = await client.send(
        new ListLifecycleExecutionResourcesCommand({ lifecycleExecutionId: id }),
      );
      if (parsed.boolean('json')) out(toJson({ lifecycleExecution: exec, resources: resources.resources }));
      else {
        out(`${id} ${exec.state?.status}${exec.state?.reason ? `: ${exec.state.reason}` : ''}\n`);
        out(
          renderTable(
            [
              { header: 'resource', value: (r) => r.resourceId },
              { header: 'action', value: (r) => r.action?.name },
              { header: 'status', value: (r) => r.state?.status },
              { header: 'reason', value: (r) => r.state?.reason ?? r.action?.reason },
            ],
            resources.resources ?? [],
          ),
        );
      }
      return exec.state?.status === 'SUCCESS' ? 0 : 1;
    },
  ),
  verb(
    'executions',
    POLICY,
    "list the policy's executions, newest first",
    [],
    async (arn, parsed, { client }, out) => {
      const list = await client.send(new ListLifecycleExecutionsCommand({ resourceArn: arn }));
      out(
        parsed.boolean('json')
          ? toJson(list)
          : renderTable(EXECUTION_COLUMNS, list.lifecycleExecutions ?? []),
      );
      return 0;
    },
  ),
];

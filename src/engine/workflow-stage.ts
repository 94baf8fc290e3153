/**
 * One stage of a build = the image's workflows of that type (BUILD, TEST, DISTRIBUTION), or the
 * managed default when the image names none, run by the workflow interpreter with the engine's
 * step actions; every workflow and step record goes to the observer before its work starts.
 */
import { parseArn } from '../core/arn.js';
import { KilnError } from '../core/errors.js';
import type { WorkflowDocument } from '../workflows/document.js';
import { parseWorkflowDocument } from '../workflows/document.js';
import { managedWorkflows } from '../workflows/managed.js';
import {
  type ActionRegistry,
  runWorkflow,
  type StepActionInbox,
  type WorkflowParameterValue,
  type WorkflowSink,
  type WorkflowStepRecord,
} from '../workflows/runner.js';
import type { BuildContext } from './context.js';
import type { BuildStage } from './image-build.js';
import { type BuildLookup, resolveBuildArn } from './resolve.js';

export interface StageWorkflow {
  readonly arn: string;
  readonly document: WorkflowDocument;
  readonly parameters: readonly WorkflowParameterValue[];
}

const MANAGED_NAME: Record<BuildStage, [string, string]> = {
  BUILD: ['build-image', 'build-container'],
  TEST: ['test-image', 'test-container'],
  DISTRIBUTION: ['distribute-image', 'distribute-container'],
};

function parse(text: string, type: BuildStage, arn: string): WorkflowDocument {
  const parsed = parseWorkflowDocument(text, type);
  if (!parsed.ok)
    throw new KilnError(
      'ServiceException',
      `workflow ${arn} is not valid: ${parsed.problems.map((p) => p.message).join('; ')}`,
    );
  return parsed.document;
}

/** The workflows a stage runs: the image's own of that type, else the managed default. */
export async function stageWorkflows(
  ctx: BuildContext,
  lookup: BuildLookup,
  type: BuildStage,
): Promise<StageWorkflow[]> {
  const configured = (
    (ctx.image.workflows as { workflowArn: string; parameters?: WorkflowParameterValue[] }[]) ?? []
  )
    .map((w) => ({ ...w, parsed: parseArn(w.workflowArn, 'workflowArn') }))
    .filter((w) => w.parsed.workflowType?.toUpperCase() === type);
  if (configured.length === 0) {
    const name = MANAGED_NAME[type][ctx.isContainer ? 1 : 0];
    const managed = managedWorkflows().find((m) => m.name === name);
    if (!managed) throw new KilnError('ServiceException', `managed workflow ${name} is missing`);
    const arn = `arn:aws:imagebuilder:${ctx.request.region}:aws:workflow/${type.toLowerCase()}/${name}/1.0.0/1`;
    return [{ arn, document: parse(managed.data, type, arn), parameters: [] }];
  }
  const out: StageWorkflow[] = [];
  for (const w of configured) {
    const managed =
      w.parsed.account === 'aws' ? managedWorkflows().find((m) => m.name === w.parsed.name) : undefined;
    const data =
      managed?.data ?? (await resolveBuildArn(lookup, w.workflowArn, 'workflows[].workflowArn')).body.data;
    out.push({
      arn: w.workflowArn,
      document: parse(String(data), type, w.workflowArn),
      parameters: w.parameters ?? [],
    });
  }
  return out;
}

/** Why a stage ended without success; its message becomes the image's `state.reason`. */
export class StageFailedError extends Error {
  constructor(
    readonly stage: BuildStage,
    message: string,
    readonly cancelled: boolean,
  ) {
    super(message);
    this.name = 'StageFailedError';
  }
}

export interface StageRun {
  readonly ctx: BuildContext;
  readonly actions: ActionRegistry;
  readonly inbox: StepActionInbox;
  readonly signal: AbortSignal;
  readonly imagebuilder: Readonly<Record<string, unknown>>;
  readonly workflowOutputs: Record<string, unknown>;
}

function sinkFor(run: StageRun, type: BuildStage, arn: string): WorkflowSink {
  const { ctx } = run;
  const steps = new Map<string, WorkflowStepRecord>();
  return {
    workflowChanged: (record) =>
      ctx.emit({ kind: 'workflow', record: { ...record, workflowBuildVersionArn: arn, type } }),
    stepChanged: (record) => {
      steps.set(record.stepExecutionId, record);
      return ctx.emit({ kind: 'step', record: { ...record, waiting: false } });
    },
    stepWaiting: async (w) => {
      const record = steps.get(w.stepExecutionId);
      await ctx.emit({ kind: 'step', record: { ...record, ...w, status: 'RUNNING', waiting: true } });
    },
    stepWaitEnded: async (id) => {
      const record = steps.get(id);
      if (record) await ctx.emit({ kind: 'step', record: { ...record, waiting: false } });
    },
  };
}

/** Runs the stage's workflows in order; throws StageFailedError when one does not complete. */
export async function runStage(
  run: StageRun,
  type: BuildStage,
  workflows: readonly StageWorkflow[],
): Promise<void> {
  for (const wf of workflows) {
    const result = await runWorkflow(wf.document, {
      parameters: wf.parameters,
      imagebuilder: {
        ...run.imagebuilder,
        workflowPhase: type,
        ...(run.ctx.captured ? { imageId: run.ctx.captured.imageId } : {}),
      },
      workflowOutputs: run.workflowOutputs,
      actions: run.actions,
      inbox: run.inbox,
      signal: run.signal,
      clock: run.ctx.clock,
      sink: sinkFor(run, type, wf.arn),
    });
    const name = wf.document.name ?? wf.arn;
    run.workflowOutputs[name] = result.outputs;
    const status = result.execution.status;
    if (status === 'COMPLETED') continue;
    const failed = result.steps.find((s) => s.status === 'FAILED' || s.status === 'CANCELLED');
    const where = failed ? `step ${failed.name} (${failed.action})` : 'workflow';
    const message = failed?.message ?? result.execution.message ?? status;
    throw new StageFailedError(
      type,
      `${type} stage, workflow ${name}, ${where}: ${message}`,
      status === 'CANCELLED',
    );
  }
}

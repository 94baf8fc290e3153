/**
 * The scheduler tick: every ~30 s (and at start) it looks at every pipeline with a schedule,
 * asks dueRun() whether a run is due, checks the start condition, and starts the run with
 * buildType SCHEDULED; then it starts the daily lifecycle policy runs (lifecycle.ts). The instant handled is stored per pipeline in the same transaction as
 * the new image, so a crash can neither lose nor double a run.
 */
import { PollingLoop } from '../events/loop.js';
import { wake } from '../events/wake.js';
import type { ServiceDeps } from '../service/context.js';
import {
  createImageBuild,
  pipelineBuildRequest,
  pipelineContext,
  resolveRecipe,
} from '../service/executions/create.js';
import {
  dependenciesChanged,
  type ParentIdentityResolver,
  type ResolvedDependencies,
  resolveDependencies,
} from '../service/executions/dependencies.js';
import { getPipelineState, patchPipelineState } from '../service/executions/records.js';
import type { ResourceRecord } from '../store/store.js';
import { dueRun } from './due.js';
import { scheduleLifecyclePolicies } from './lifecycle.js';
import { DEFAULT_TIMEZONE, parseSchedule } from './schedule.js';

export interface SchedulerOptions {
  readonly deps: ServiceDeps;
  /** The accounts and regions whose pipelines run on schedule. */
  readonly scopes: readonly { readonly account: string; readonly region: string }[];
  readonly parents?: ParentIdentityResolver;
  readonly intervalMs?: number;
  readonly logError?: (err: unknown, context: string) => void;
}

export type TickOutcome =
  | {
      readonly pipelineArn: string;
      readonly action: 'started';
      readonly at: number;
      readonly imageArn: string;
    }
  | { readonly pipelineArn: string; readonly action: 'skipped'; readonly at: number; readonly why: string };

interface ScheduleBody {
  scheduleExpression?: string;
  timezone?: string;
  pipelineExecutionStartCondition?: string;
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #loop: PollingLoop;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#loop = new PollingLoop(async () => (await this.tick()).nextDue, {
      pollMs: options.intervalMs ?? 30_000,
      clock: options.deps.clock,
      context: 'starting scheduled pipeline runs',
      ...(options.logError ? { logError: options.logError } : {}),
    });
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** One pass over every scheduled pipeline; returns what it did and when the next run is due. */
  async tick(): Promise<{ outcomes: TickOutcome[]; nextDue?: number }> {
    const outcomes: TickOutcome[] = [];
    let nextDue: number | undefined;
    for (const scope of this.#o.scopes) {
      const rows = await this.#o.deps.store.list({ ...scope, type: 'image-pipeline', limit: 100_000 });
      for (const { record } of rows) {
        try {
          const result = await this.handle(record);
          if (result.outcome) outcomes.push(result.outcome);
          if (result.next !== undefined) nextDue = Math.min(nextDue ?? Number.POSITIVE_INFINITY, result.next);
        } catch (err) {
          this.#o.logError?.(err, `scheduling ${record.arn}`);
        }
      }
      try {
        const lifecycle = await scheduleLifecyclePolicies(this.#o.deps, scope);
        if (lifecycle.next !== undefined)
          nextDue = Math.min(nextDue ?? Number.POSITIVE_INFINITY, lifecycle.next);
      } catch (err) {
        this.#o.logError?.(err, `scheduling the lifecycle policies of ${scope.account} in ${scope.region}`);
      }
    }
    return nextDue === undefined ? { outcomes } : { outcomes, nextDue };
  }

  private async handle(pipeline: ResourceRecord): Promise<{ outcome?: TickOutcome; next?: number }> {
    const { store, clock } = this.#o.deps;
    const schedule = pipeline.body.schedule as ScheduleBody | undefined;
    if (!schedule?.scheduleExpression) return {};
    const state = await getPipelineState(store, pipeline.arn);
    const decision = dueRun({
      schedule: parseSchedule(schedule.scheduleExpression),
      timezone: schedule.timezone ?? DEFAULT_TIMEZONE,
      anchorMs: pipeline.dateCreated,
      lastHandledAt: state.lastFiredAt,
      enabled: pipeline.body.status === 'ENABLED',
      now: clock.now(),
    });
    const next = decision.next;
    if (decision.handledUntil === undefined || decision.handledUntil === state.lastFiredAt) return { next };
    const at = decision.handledUntil;
    if (decision.fire === undefined) {
      await patchPipelineState(store, pipeline, pipeline.arn, { lastFiredAt: at }, clock.now());
      return {
        next,
        outcome: { pipelineArn: pipeline.arn, action: 'skipped', at, why: 'the pipeline is DISABLED' },
      };
    }
    const ctx = pipelineContext(pipeline, 'StartImagePipelineExecution');
    const request = pipelineBuildRequest(pipeline);
    const recipe = await resolveRecipe(this.#o.deps, ctx, request);
    const current = await resolveDependencies(store, recipe.body, this.#o.parents);
    if (schedule.pipelineExecutionStartCondition !== 'EXPRESSION_MATCH_ONLY') {
      const previous = await this.lastSuccessfulDependencies(state.lastSuccessfulImageArn);
      if (!dependenciesChanged(previous, current)) {
        await patchPipelineState(store, pipeline, pipeline.arn, { lastFiredAt: at }, clock.now());
        return {
          next,
          outcome: { pipelineArn: pipeline.arn, action: 'skipped', at, why: 'no dependency changed' },
        };
      }
    }
    const image = await store.transaction(async (tx) => {
      // Another scheduler (another node) may have handled this instant meanwhile.
      const fresh = await getPipelineState(tx, pipeline.arn);
      if (fresh.lastFiredAt !== undefined && fresh.lastFiredAt >= at) return undefined;
      const made = await createImageBuild({ ...this.#o.deps, store: tx }, ctx, request, {
        buildType: 'SCHEDULED',
        pipeline,
        resolvedDependencies: current,
      });
      await patchPipelineState(tx, pipeline, pipeline.arn, { lastFiredAt: at }, clock.now());
      return made;
    });
    if (!image) return { next };
    wake(store, 'queue');
    return { next, outcome: { pipelineArn: pipeline.arn, action: 'started', at, imageArn: image.arn } };
  }

  private async lastSuccessfulDependencies(
    arn: string | undefined,
  ): Promise<ResolvedDependencies | undefined> {
    if (!arn) return undefined;
    const image = await this.#o.deps.store.getResource(arn);
    return image?.body.resolvedDependencies as ResolvedDependencies | undefined;
  }
}

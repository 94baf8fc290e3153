/**
 * Crash safety: executions whose worker died (kill -9, power loss, a lost node) either go back
 * into the queue to resume, or end FAILED with a reason, never staying in progress. Also the
 * artifact removal DeleteImage queues for the engine.
 */
import { ARTIFACT_CLEANUP_KIND, EXECUTION_KIND, executionOf } from '../service/executions/records.js';
import { isTerminal } from '../service/executions/image-state.js';
import { statusOf } from '../service/executions/transitions.js';
import { wake } from '../events/wake.js';
import { recoverLifecycleExecutions } from '../lifecycle/recovery.js';
import { isLeaseDead, type OwnerId, recoveryFor } from './decide.js';
import { buildRequestOf, finishExecution, type RunDeps } from './run.js';

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Finds RUNNING executions with a dead lease and requeues or fails each (see recoveryFor). */
export async function recoverDeadLeases(deps: RunDeps, me: OwnerId, staleMs: number): Promise<string[]> {
  const { store, clock, engine } = deps;
  const running = await store.listDocuments({ kind: EXECUTION_KIND, status: ['RUNNING'], limit: 10_000 });
  const recovered: string[] = [];
  for (const doc of running) {
    const exec = executionOf(doc);
    if (!isLeaseDead(exec, me, clock.now(), staleMs, processAlive)) continue;
    const image = await store.getResource(exec.imageArn);
    const imageStatus = image ? statusOf(image) : undefined;
    if (!image || isTerminal(imageStatus)) {
      // The build ended but its worker died before closing the execution.
      const outcome = imageStatus === 'AVAILABLE' || imageStatus === 'CANCELLED' ? imageStatus : 'FAILED';
      await finishExecution(deps, exec, { status: outcome });
      recovered.push(exec.imageArn);
      continue;
    }
    const interruptedAt = exec.lastStatus ?? 'PENDING';
    const canResume =
      engine.canResume?.(buildRequestOf(image, exec, deps.layerCache ?? true), interruptedAt) ?? false;
    const decision = recoveryFor(interruptedAt, canResume && !exec.cancelRequested);
    if (decision.action === 'requeue') {
      const now = clock.now();
      const { owner: _o, heartbeatAt: _h, startedAt: _s, resumeFromStage: _r, ...rest } = exec;
      const body = {
        ...rest,
        queuedAt: now,
        ...(decision.resumeFromStage ? { resumeFromStage: decision.resumeFromStage } : {}),
      };
      // Requeued at its original place in the queue: it was first in line before the crash.
      const requeued = await store.updateDocument(
        EXECUTION_KIND,
        doc.id,
        { status: 'QUEUED', body, updatedAt: now },
        ['RUNNING'],
      );
      if (requeued) recovered.push(exec.imageArn);
    } else if (exec.cancelRequested) {
      await finishExecution(deps, exec, { status: 'CANCELLED' });
      recovered.push(exec.imageArn);
    } else {
      await finishExecution(deps, exec, { status: 'FAILED', reason: decision.reason });
      recovered.push(exec.imageArn);
    }
  }
  if (recovered.length > 0) wake(store, 'queue');
  // Lifecycle executions of a dead runner are resumed the same way (src/lifecycle/recovery.ts).
  await recoverLifecycleExecutions(store, clock, { staleMs });
  return recovered;
}

/** Asks the engine to remove the artifacts of deleted images, and removes their logs. */
export async function cleanUpDeletedImages(
  deps: RunDeps & { logError?: (err: unknown, context: string) => void },
) {
  const { store, clock, engine, logs } = deps;
  const pending = await store.listDocuments({ kind: ARTIFACT_CLEANUP_KIND, status: ['PENDING'], limit: 20 });
  for (const doc of pending) {
    try {
      const image = (doc.body.image ?? {}) as Record<string, unknown>;
      await engine.deleteArtifacts?.(image, AbortSignal.timeout(10 * 60_000));
      await logs.remove(doc.id);
      await store.deleteDocument(ARTIFACT_CLEANUP_KIND, doc.id);
    } catch (err) {
      deps.logError?.(err, `removing the artifacts of ${doc.id}`);
      await store.updateDocument(ARTIFACT_CLEANUP_KIND, doc.id, { updatedAt: clock.now() });
    }
  }
}

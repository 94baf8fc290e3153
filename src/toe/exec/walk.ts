import type { InputMap, Phase, Step } from '../model.js';
import type { ChainingDocument, RunLogs } from './log-dir.js';
import type { ExecuteModule, StepLog } from './module.js';
import type { PreparedDocument } from './prepare.js';
import { chainKey } from './resolve.js';
import {
  finishDocument,
  finishPhase,
  isoNow,
  newDocumentRecord,
  newPhaseRecord,
  type RunState,
  stepRecordBase,
} from './run-state.js';
import { runStep, type StepEnv, type StepResult } from './step-exec.js';
import type { DocumentRecord, PhaseRecord, StepRecord, StepRef, ToeEvent } from './types.js';

/** What walking the documents needs besides the run's state. */
export interface Walk {
  readonly prepared: readonly PreparedDocument[];
  readonly selected: (phase: string) => boolean;
  readonly logs: RunLogs;
  readonly emit: (event: ToeEvent) => void;
  readonly now: () => number;
  readonly depth: number;
  readonly maxReboots: number;
  readonly signal: AbortSignal;
  readonly stepEnv: Pick<StepEnv, 'instance' | 'fs' | 'probe' | 'env' | 's3'>;
  readonly modulesFor: (p: PreparedDocument) => Readonly<Record<string, ExecuteModule>>;
}

/**
 * Runs from `state.cursor` until the run ends (false) or a step asks for a reboot (true, with
 * the cursor and `state.resume` saying where to go on). Records and counters live in `state`,
 * so that a run resumed from saved state carries on exactly where it stopped.
 */
export async function advance(walk: Walk, state: RunState): Promise<boolean> {
  const start = state.cursor;
  for (let d = start.doc; d < walk.prepared.length && !state.stopped; d++) {
    const p = walk.prepared[d] as PreparedDocument;
    const docRec = documentRecord(walk, state, d, p);
    const modules = walk.modulesFor(p);
    const phases = p.doc.phases;
    for (let ph = d === start.doc ? start.phase : 0; ph < phases.length && !state.stopped; ph++) {
      const phase = phases[ph] as Phase;
      if (!walk.selected(phase.name)) continue;
      const phaseRec = phaseRecord(walk, docRec, phase, p.path);
      const first = d === start.doc && ph === start.phase ? start.step : 0;
      for (let s = first; s < phase.steps.length && !state.stopped; s++) {
        state.cursor = { doc: d, phase: ph, step: s };
        const step = phase.steps[s] as Step;
        const ref: StepRef = {
          document: p.path,
          phase: phase.name,
          step: step.name,
          action: step.action,
          index: s + 1,
          count: phase.steps.length,
          depth: walk.depth,
        };
        const resume = state.resume;
        state.resume = undefined;
        let rec = phaseRec.steps[s];
        if (!rec) {
          rec = stepRecordBase(step, walk.now());
          phaseRec.steps.push(rec);
          walk.logs.console(`Step ${step.name}`);
          walk.emit({ type: 'step-start', ref });
        }
        await walk.logs.writeDetailed(state.record);
        const startMs = resume?.startMs ?? walk.now();
        const env: StepEnv = {
          ...walk.stepEnv,
          modules,
          variables: p.variables,
          chaining: state.chaining[d] ?? {},
          signal: walk.signal,
          log: stepLog(walk, ref),
          ref,
          now: walk.now,
        };
        let result = await runStep(step, env, resume);
        if (result.kind === 'reboot' && state.reboots >= walk.maxReboots) {
          result = tooManyReboots(walk.maxReboots);
        }
        if (result.kind === 'reboot') {
          if (result.resume) state.resume = result.resume;
          else {
            // The Reboot module: the step is done; the run resumes at the next one.
            finishStep(walk, state, d, phase, step, rec, ref, startMs, rebootDone(step));
            state.cursor = { doc: d, phase: ph, step: s + 1 };
          }
          walk.emit({ type: 'reboot', ref, rerunStep: result.rerunStep });
          return true;
        }
        finishStep(walk, state, d, phase, step, rec, ref, startMs, result);
      }
      finishPhase(phaseRec, walk.now());
      await walk.logs.writeDetailed(state.record);
    }
    finishDocument(docRec, walk.now());
  }
  return false;
}

function rebootDone(step: Step): Extract<StepResult, { kind: 'done' }> {
  const inputs = [step.inputs as InputMap];
  return {
    kind: 'done',
    status: 'success',
    failureMessage: '',
    inputs: JSON.stringify(inputs),
    outputs: '[]',
    detailedOutput: null,
    chain: { inputs, listInputs: false, outputs: {} },
  };
}

function tooManyReboots(max: number): StepResult {
  const failureMessage = `the step asked for a reboot after ${max} reboots of this run; it probably exits 194 every time`;
  return {
    kind: 'done',
    status: 'failed',
    failureMessage,
    inputs: '[]',
    outputs: '[]',
    detailedOutput: null,
    chain: { inputs: [], listInputs: false, outputs: {} },
  };
}

function finishStep(
  walk: Walk,
  state: RunState,
  d: number,
  phase: Phase,
  step: Step,
  rec: StepRecord,
  ref: StepRef,
  startMs: number,
  result: Extract<StepResult, { kind: 'done' }>,
): void {
  const ignored = result.status === 'failed' && step.onFailure === 'Ignore';
  rec.status = ignored ? 'ignoredfailure' : result.status;
  rec.failureMessage = result.failureMessage;
  rec.inputs = result.inputs;
  rec.outputs = result.outputs;
  rec.detailedOutput = result.detailedOutput;
  rec.endTime = isoNow(walk.now());
  state.chaining[d] = { ...state.chaining[d], [chainKey(phase.name, step.name)]: result.chain };
  if (result.status !== 'skipped') state.executed += 1;
  if (ignored) state.ignored += 1;
  if (result.status === 'failed' && !ignored) {
    state.failed += 1;
    state.firstFailure ??= {
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      message: `Step ${step.name} failed: ${result.failureMessage}`,
    };
    if (step.onFailure === 'Abort' || walk.signal.aborted) state.stopped = true;
  }
  const line = result.failureMessage ? `: ${result.failureMessage}` : '';
  walk.logs.console(`Step ${step.name} ${rec.status}${line}`);
  walk.emit({
    type: 'step-end',
    ref,
    status: rec.status,
    durationMs: walk.now() - startMs,
    failureMessage: result.failureMessage,
  });
  if (state.stopped) {
    // Abort: the phase and document end here; later ones never start.
    const docRec = state.record.documents[d] as DocumentRecord;
    finishPhase(docRec.phases.at(-1) as PhaseRecord, walk.now());
    finishDocument(docRec, walk.now());
  }
}

function documentRecord(walk: Walk, state: RunState, d: number, p: PreparedDocument): DocumentRecord {
  let rec = state.record.documents[d];
  if (!rec) {
    rec = newDocumentRecord(p.doc, p.path, walk.now());
    state.record.documents.push(rec);
    walk.logs.console(`Document ${p.path}`);
    walk.emit({ type: 'document-start', document: p.path, depth: walk.depth });
  }
  return rec;
}

function phaseRecord(walk: Walk, docRec: DocumentRecord, phase: Phase, path: string): PhaseRecord {
  let rec = docRec.phases.find((r) => r.name === phase.name);
  if (!rec) {
    rec = newPhaseRecord(phase.name, walk.now());
    docRec.phases.push(rec);
    walk.logs.console(`Phase ${phase.name}`);
    walk.emit({ type: 'phase-start', document: path, phase: phase.name, depth: walk.depth });
  }
  return rec;
}

function stepLog(walk: Walk, ref: StepRef): StepLog {
  return {
    stdout: (line) => {
      walk.logs.console(`Stdout: ${line}`);
      walk.emit({ type: 'output', ref, stream: 'stdout', line });
    },
    stderr: (line) => {
      walk.logs.console(`CmdExecution: Stderr: ${line}`);
      walk.emit({ type: 'output', ref, stream: 'stderr', line });
    },
    info: (line) => {
      walk.logs.console(line);
      walk.emit({ type: 'output', ref, stream: 'info', line });
    },
    debug: (line) => walk.logs.debug(line),
  };
}

/** chaining.json: every phase of every document, with isSelected, and what each step left for chaining. */
export function chainingDocuments(walk: Walk, state: RunState): ChainingDocument[] {
  return walk.prepared.map((p, d) => ({
    phases: p.doc.phases.map((phase) => ({
      name: phase.name,
      isSelected: walk.selected(phase.name),
      steps: phase.steps.map((step) => {
        const entry = state.chaining[d]?.[chainKey(phase.name, step.name)];
        return {
          name: step.name,
          inputs: JSON.stringify(entry?.inputs ?? []),
          outputs: JSON.stringify(entry ? [entry.outputs] : []),
          loop: step.loop ?? null,
          documents: null,
        };
      }),
    })),
  }));
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import { StepActionInbox } from './run-inbox.js';
import { documentOf, fakeActions, ManualTimer, newLog, RecordingSink, runOptions } from './run-testing.js';
import type { WaitingStepRecord } from './run-types.js';
import { runWorkflow } from './runner.js';

const doc = (approve: string) => `schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Approve
    action: WaitForAction
${approve}
  - name: Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
`;

const isResourceInUse = (err: unknown) => err instanceof KilnError && err.code === 'ResourceInUseException';

/** Runs the document; `onWaiting` acts on the waiting step through the inbox. */
async function run(
  approve: string,
  onWaiting: (record: WaitingStepRecord, inbox: StepActionInbox, timer: ManualTimer) => void,
  extra: { controller?: AbortController } = {},
) {
  const log = newLog();
  const sink = new RecordingSink();
  const inbox = new StepActionInbox();
  const timer = new ManualTimer();
  sink.onWaiting = (record) => onWaiting(record, inbox, timer);
  const actions = fakeActions(log, {
    outputs: { LaunchInstance: { instanceId: 'i-1' } },
    withRollback: ['LaunchInstance'],
  });
  const signal = (extra.controller ?? new AbortController()).signal;
  const result = await runWorkflow(
    documentOf(doc(approve)),
    runOptions(actions, { sink, inbox, timer, signal }),
  );
  const approveStep = result.steps.find((s) => s.name === 'Approve');
  return { result, log, sink, inbox, timer, approveStep };
}

describe('runWorkflow: WaitForAction', () => {
  it('RESUME completes the step with outputs action and reason; the step stays RUNNING while waiting', async () => {
    let again: unknown;
    const { result, sink, inbox, approveStep } = await run('', (record, inbox) => {
      inbox.deliver(record.stepExecutionId, 'RESUME', 'looks good');
      try {
        inbox.deliver(record.stepExecutionId, 'RESUME');
      } catch (err) {
        again = err;
      }
    });
    assert.ok(isResourceInUse(again), 'a second delivery to the same step must be refused');
    assert.equal(approveStep?.status, 'COMPLETED');
    assert.deepEqual(JSON.parse(approveStep?.outputs ?? ''), { action: 'RESUME', reason: 'looks good' });
    assert.equal(result.execution.status, 'COMPLETED');
    assert.equal(inbox.isWaiting(approveStep?.stepExecutionId ?? ''), false);
    const types = sink.events.map((e) =>
      e.type === 'step'
        ? `${e.record.name} ${e.record.status}`
        : e.type === 'workflow'
          ? e.record.status
          : e.type,
    );
    assert.deepEqual(types.slice(3, 7), ['Approve RUNNING', 'waiting', 'waitEnded', 'Approve COMPLETED']);
    const waiting = sink.events.find((e) => e.type === 'waiting');
    assert.equal(waiting?.type === 'waiting' && waiting.record.name, 'Approve');
  });

  const stops = [
    {
      onFailure: 'Continue',
      status: 'COMPLETED',
      terminateRan: true,
      counts: [2, 1, 0],
    },
    {
      onFailure: 'Abort',
      status: 'ROLLBACK_COMPLETED',
      terminateRan: false,
      counts: [1, 1, 1],
    },
  ];
  for (const row of stops) {
    it(`STOP fails the step with its reason; onFailure ${row.onFailure} decides what follows`, async () => {
      const { result, log, approveStep } = await run(`    onFailure: ${row.onFailure}`, (record, inbox) =>
        inbox.deliver(record.stepExecutionId, 'STOP', 'not today'),
      );
      assert.equal(approveStep?.status, 'FAILED');
      assert.equal(approveStep?.message, 'Stopped by SendWorkflowStepAction: not today');
      assert.deepEqual(JSON.parse(approveStep?.outputs ?? ''), { action: 'STOP', reason: 'not today' });
      assert.equal(result.execution.status, row.status);
      assert.equal(log.calls.includes('run Terminate'), row.terminateRan);
      assert.equal(log.calls.includes('rollback Launch'), !row.terminateRan);
      const e = result.execution;
      assert.deepEqual([e.totalStepsSucceeded, e.totalStepsFailed, e.totalStepsSkipped], row.counts);
    });
  }

  it('refuses an action for a step that is not waiting', () => {
    const inbox = new StepActionInbox();
    assert.throws(
      () => inbox.deliver('step-00000000-0000-0000-0000-000000000000', 'RESUME'),
      isResourceInUse,
    );
  });

  const timeouts = [
    { approve: '', seconds: 259_200, note: 'defaults to 3 days' },
    { approve: '    timeoutSeconds: 600', seconds: 600, note: "takes the step's timeoutSeconds" },
  ];
  for (const row of timeouts) {
    it(`a wait ${row.note} and fails the step when it runs out`, async () => {
      let armedMs: number | undefined;
      const { approveStep, inbox } = await run(row.approve, (_record, _inbox, timer) => {
        armedMs = timer.armed.at(-1)?.ms;
        timer.expire();
      });
      assert.equal(armedMs, row.seconds * 1000);
      assert.equal(approveStep?.status, 'FAILED');
      assert.equal(
        approveStep?.message,
        `Step timed out after ${row.seconds} seconds waiting for SendWorkflowStepAction`,
      );
      assert.equal(inbox.isWaiting(approveStep?.stepExecutionId ?? ''), false);
      assert.throws(() => inbox.deliver(approveStep?.stepExecutionId ?? '', 'RESUME'), isResourceInUse);
    });
  }

  it('cancelling the run while a step waits cancels it and ends the wait', async () => {
    const controller = new AbortController();
    const { result, sink, approveStep } = await run('', () => controller.abort(), { controller });
    assert.equal(approveStep?.status, 'CANCELLED');
    assert.equal(result.execution.status, 'CANCELLED');
    assert.ok(sink.events.some((e) => e.type === 'waitEnded'));
  });

  it('uses a WaitForAction implementation from the registry, e.g. one that notifies first', async () => {
    const log = newLog();
    const sink = new RecordingSink();
    const inbox = new StepActionInbox();
    sink.onWaiting = (record) => inbox.deliver(record.stepExecutionId, 'RESUME');
    const actions = {
      ...fakeActions(log, { outputs: { LaunchInstance: { instanceId: 'i-1' } } }),
      WaitForAction: {
        run: async (inputs: Record<string, unknown>, ctx: import('./run-types.js').ActionContext) => {
          log.calls.push(`notify ${JSON.stringify(inputs)}`);
          const { action } = await ctx.waitForAction();
          return { action, notified: true };
        },
      },
    };
    const result = await runWorkflow(
      documentOf(doc('    inputs:\n      snsTopicArn: arn:aws:sns:us-east-1:123456789012:approvals')),
      runOptions(actions, { sink, inbox }),
    );
    const approve = result.steps.find((s) => s.name === 'Approve');
    assert.deepEqual(JSON.parse(approve?.outputs ?? ''), { action: 'RESUME', notified: true, reason: '' });
    assert.ok(log.calls.includes('notify {"snsTopicArn":"arn:aws:sns:us-east-1:123456789012:approvals"}'));
  });
});

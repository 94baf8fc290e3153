import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { documentOf, fakeActions, newLog, RecordingSink, runOptions } from './run-testing.js';
import type { WorkflowStepRecord } from './run-types.js';
import { runWorkflow } from './runner.js';

const DOC = documentOf(`schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Apply
    action: ExecuteComponents
    description: Run the build components
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
`);

const OUTPUTS = { LaunchInstance: { instanceId: 'i-1' } };

describe('runWorkflow: what the sink hears', () => {
  it('records a step RUNNING, with its inputs, before the action starts', async () => {
    const sink = new RecordingSink();
    let seen: WorkflowStepRecord | undefined;
    const actions = fakeActions(newLog(), {
      outputs: OUTPUTS,
      behaviour: {
        Apply: async () => {
          const last = sink.events.at(-1);
          seen = last?.type === 'step' ? last.record : undefined;
          return {};
        },
      },
    });
    await runWorkflow(DOC, runOptions(actions, { sink }));
    assert.equal(seen?.name, 'Apply');
    assert.equal(seen?.status, 'RUNNING');
    assert.equal(seen?.inputs, '{"instanceId":"i-1"}');
  });

  it('records API-shaped step and execution records with times from the clock', async () => {
    const clock = new ManualClock(Date.UTC(2024, 4, 1, 12));
    const actions = fakeActions(newLog(), {
      outputs: OUTPUTS,
      behaviour: {
        Apply: async () => {
          clock.advance(90_000);
          return { status: 'Success' };
        },
      },
    });
    const options = runOptions(actions, {
      clock,
      workflowExecutionId: 'wf-00000000-0000-0000-0000-000000000001',
    });
    const result = await runWorkflow(DOC, options);
    const apply = result.steps[1];
    assert.ok(apply);
    const { stepExecutionId, ...rest } = apply;
    assert.match(stepExecutionId, /^step-[0-9a-f-]{36}$/);
    assert.deepEqual(rest, {
      workflowExecutionId: 'wf-00000000-0000-0000-0000-000000000001',
      name: 'Apply',
      description: 'Run the build components',
      action: 'ExecuteComponents',
      status: 'COMPLETED',
      onFailure: 'Abort',
      timeoutSeconds: 43_200,
      inputs: '{"instanceId":"i-1"}',
      outputs: '{"status":"Success"}',
      startTime: '2024-05-01T12:00:00.000Z',
      endTime: '2024-05-01T12:01:30.000Z',
    });
    assert.deepEqual(result.execution, {
      workflowExecutionId: 'wf-00000000-0000-0000-0000-000000000001',
      status: 'COMPLETED',
      totalStepCount: 2,
      totalStepsSucceeded: 2,
      totalStepsFailed: 0,
      totalStepsSkipped: 0,
      startTime: '2024-05-01T12:00:00.000Z',
      endTime: '2024-05-01T12:01:30.000Z',
    });
  });

  it('stops at once, without rollback, when the sink fails, and says what it was doing', async () => {
    const log = newLog();
    const sink = new RecordingSink();
    sink.stepChanged = async (record) => {
      if (record.name === 'Apply') throw new Error('disk full');
      sink.events.push({ type: 'step', record });
    };
    const actions = fakeActions(log, { outputs: OUTPUTS, withRollback: ['LaunchInstance'] });
    await assert.rejects(
      runWorkflow(DOC, runOptions(actions, { sink })),
      /recording workflow state: disk full/,
    );
    assert.deepEqual(log.calls, ['run Launch']);
  });

  it('forwards action log lines with the step execution id', async () => {
    const lines: string[] = [];
    const sink = new RecordingSink();
    sink.log = (id, line) => lines.push(`${id.slice(0, 5)} ${line}`);
    const actions = fakeActions(newLog(), {
      outputs: OUTPUTS,
      behaviour: {
        Apply: async (_inputs, ctx) => {
          ctx.log(`running on ${ctx.stepName}`);
          return {};
        },
      },
    });
    await runWorkflow(DOC, runOptions(actions, { sink }));
    assert.deepEqual(lines, ['step- running on Apply']);
  });
});

describe('runWorkflow: actions that misbehave', () => {
  const rows = [
    {
      name: 'an action with no implementation fails its step',
      actions: () => ({ LaunchInstance: fakeActions(newLog(), { outputs: OUTPUTS }).LaunchInstance }),
      message: 'Kiln has no implementation of the ExecuteComponents action',
    },
    {
      name: 'outputs that are not a map fail the step',
      actions: () =>
        fakeActions(newLog(), {
          outputs: OUTPUTS,
          behaviour: { Apply: async () => ['i-1'] as unknown as Record<string, unknown> },
        }),
      message: 'ExecuteComponents returned a list instead of a map of outputs',
    },
    {
      name: 'outputs JSON cannot hold fail the step',
      actions: () =>
        fakeActions(newLog(), { outputs: OUTPUTS, behaviour: { Apply: async () => ({ size: 10n }) } }),
      message: "ExecuteComponents returned outputs that can't be recorded as JSON",
    },
    {
      name: 'a rejection with a non-Error is reported as text',
      actions: () =>
        fakeActions(newLog(), {
          outputs: OUTPUTS,
          behaviour: { Apply: async () => Promise.reject('exit 2') },
        }),
      message: 'exit 2',
    },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const result = await runWorkflow(DOC, runOptions(row.actions()));
      const apply = result.steps.find((s) => s.name === 'Apply');
      assert.equal(apply?.status, 'FAILED');
      assert.ok(apply?.message?.startsWith(row.message), apply?.message);
      assert.equal(result.execution.status, 'FAILED');
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import type { WorkflowActionName } from './actions.js';
import { planResume } from './run-resume.js';
import { documentOf, fakeActions, newLog, runOptions } from './run-testing.js';
import type { WorkflowExecutionRecord, WorkflowStepRecord } from './run-types.js';
import { runWorkflow } from './runner.js';

const DOC = documentOf(`schemaVersion: 1.0
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Extra
    action: RunCommand
    onFailure: Continue
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
  - name: Apply
    action: ExecuteComponents
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
  - name: Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
`);

const WF = 'wf-11111111-2222-3333-4444-555555555555';
const ACTIONS: Record<string, WorkflowActionName> = {
  Launch: 'LaunchInstance',
  Extra: 'RunCommand',
  Apply: 'ExecuteComponents',
  Terminate: 'TerminateInstance',
};

const execution = (status: WorkflowExecutionRecord['status'] = 'RUNNING'): WorkflowExecutionRecord => ({
  workflowExecutionId: WF,
  status,
  totalStepCount: 4,
  totalStepsSucceeded: 1,
  totalStepsFailed: 0,
  totalStepsSkipped: 0,
  startTime: '2023-12-31T23:00:00.000Z',
});

const record = (
  name: string,
  status: WorkflowStepRecord['status'],
  extra: Partial<WorkflowStepRecord> = {},
): WorkflowStepRecord => ({
  stepExecutionId: `step-${name}`,
  workflowExecutionId: WF,
  name,
  action: ACTIONS[name] ?? 'RunCommand',
  status,
  onFailure: 'Abort',
  timeoutSeconds: 60,
  ...extra,
});

const launched = record('Launch', 'COMPLETED', {
  inputs: '{"waitFor":"ssmAgent"}',
  outputs: '{"instanceId":"i-old"}',
});

describe('planResume', () => {
  const ok: {
    name: string;
    records: WorkflowStepRecord[];
    done: string[];
    interrupted?: string;
    next: number;
  }[] = [
    { name: 'nothing recorded: start at the top', records: [], done: [], next: 0 },
    { name: 'a completed step is kept', records: [launched], done: ['Launch'], next: 1 },
    {
      name: 'a running step is the interrupted one',
      records: [launched, record('Extra', 'RUNNING')],
      done: ['Launch'],
      interrupted: 'Extra',
      next: 1,
    },
    {
      name: 'SKIPPED and FAILED-with-Continue steps are done',
      records: [launched, record('Extra', 'FAILED'), record('Apply', 'SKIPPED')],
      done: ['Launch', 'Extra', 'Apply'],
      next: 3,
    },
    {
      name: 'every step done: nothing left but the outputs',
      records: [
        launched,
        record('Extra', 'SKIPPED'),
        record('Apply', 'COMPLETED'),
        record('Terminate', 'COMPLETED'),
      ],
      done: ['Launch', 'Extra', 'Apply', 'Terminate'],
      next: 4,
    },
  ];
  for (const row of ok) {
    it(row.name, () => {
      const plan = planResume(DOC, execution(), row.records);
      assert.deepEqual(
        plan.done.map((r) => r.name),
        row.done,
      );
      assert.equal(plan.interrupted?.name, row.interrupted);
      assert.equal(plan.nextIndex, row.next);
    });
  }

  const bad: {
    name: string;
    status?: WorkflowExecutionRecord['status'];
    records: WorkflowStepRecord[];
    error: RegExp;
  }[] = [
    { name: 'a finished execution', status: 'COMPLETED', records: [], error: /it is COMPLETED, not running/ },
    {
      name: 'a rollback in progress',
      status: 'ROLLBACK_IN_PROGRESS',
      records: [],
      error: /ROLLBACK_IN_PROGRESS/,
    },
    { name: 'a step the document lacks', records: [record('Other', 'COMPLETED')], error: /no step "Other"/ },
    {
      name: 'a step that ran another action',
      records: [record('Launch', 'COMPLETED', { action: 'CreateImage' })],
      error: /ran CreateImage, the document says LaunchInstance/,
    },
    {
      name: 'a step that failed with Abort',
      records: [record('Launch', 'FAILED')],
      error: /"Launch" already ended FAILED/,
    },
    {
      name: 'a gap before a recorded step',
      records: [record('Apply', 'COMPLETED')],
      error: /"Apply" has a record, but an earlier step never finished/,
    },
    {
      name: 'two records for one step',
      records: [launched, launched],
      error: /"Launch" has two records/,
    },
    {
      name: 'a record of another execution',
      records: [record('Launch', 'COMPLETED', { workflowExecutionId: 'wf-other' })],
      error: /belongs to wf-other/,
    },
  ];
  for (const row of bad) {
    it(`refuses ${row.name}`, () => {
      assert.throws(
        () => planResume(DOC, execution(row.status), row.records),
        (err: unknown) =>
          err instanceof KilnError && err.code === 'InvalidRequestException' && row.error.test(err.message),
      );
    });
  }
});

describe('runWorkflow with resume', () => {
  const previous = [
    launched,
    record('Extra', 'RUNNING', { inputs: '{"instanceId":"i-old"}', startTime: 'x' }),
  ];

  it('rerun: skips completed steps, re-runs the interrupted one under its id, reads old outputs', async () => {
    const log = newLog();
    const options = runOptions(fakeActions(log, { withRollback: ['LaunchInstance'] }), {
      resume: { execution: execution(), steps: previous, interruptedStep: 'rerun' },
    });
    const result = await runWorkflow(DOC, options);
    assert.deepEqual(log.calls, ['run Extra', 'run Apply', 'run Terminate']);
    assert.deepEqual(log.inputs.Apply, { instanceId: 'i-old' });
    assert.equal(result.execution.workflowExecutionId, WF);
    assert.equal(result.execution.startTime, '2023-12-31T23:00:00.000Z');
    assert.equal(result.execution.status, 'COMPLETED');
    assert.equal(result.execution.totalStepsSucceeded, 4);
    const extra = result.steps.find((s) => s.name === 'Extra');
    assert.equal(extra?.stepExecutionId, 'step-Extra');
    assert.equal(extra?.status, 'COMPLETED');
    assert.equal(
      options.sink.events.some((e) => e.type === 'step' && e.record.name === 'Launch'),
      false,
      'a step kept from the previous attempt is not reported again',
    );
  });

  it('fail: records the interrupted step FAILED, then its onFailure decides', async () => {
    const log = newLog();
    const steps = [launched, record('Extra', 'RUNNING', { inputs: '{"instanceId":"i-old"}' })];
    // Extra has onFailure Continue: the run goes on with Apply.
    const cont = await runWorkflow(
      DOC,
      runOptions(fakeActions(log), { resume: { execution: execution(), steps, interruptedStep: 'fail' } }),
    );
    const extra = cont.steps.find((s) => s.name === 'Extra');
    assert.equal(extra?.status, 'FAILED');
    assert.match(extra?.message ?? '', /^Interrupted: Kiln stopped while the step was running/);
    assert.equal(cont.execution.status, 'COMPLETED');
    assert.deepEqual(log.calls, ['run Apply', 'run Terminate']);
  });

  it('fail with Abort rolls back the interrupted step and the completed ones', async () => {
    const log = newLog();
    const steps = [
      launched,
      record('Extra', 'SKIPPED'),
      record('Apply', 'RUNNING', { inputs: '{"instanceId":"i-old"}' }),
    ];
    const result = await runWorkflow(
      DOC,
      runOptions(fakeActions(log, { withRollback: ['LaunchInstance', 'ExecuteComponents'] }), {
        resume: { execution: execution(), steps, interruptedStep: 'fail' },
      }),
    );
    assert.deepEqual(log.calls, ['rollback Apply', 'rollback Launch']);
    assert.deepEqual(log.rollbackOutputs.Launch, { instanceId: 'i-old' });
    assert.deepEqual(log.rollbackOutputs.Apply, {});
    assert.equal(result.execution.status, 'ROLLBACK_COMPLETED');
  });

  it('refuses records whose outputs are not JSON before running anything', async () => {
    const log = newLog();
    const options = runOptions(fakeActions(log), {
      resume: {
        execution: execution(),
        steps: [record('Launch', 'COMPLETED', { outputs: 'not json' })],
        interruptedStep: 'rerun',
      },
    });
    await assert.rejects(runWorkflow(DOC, options), /its outputs are not a JSON map/);
    assert.deepEqual(options.sink.events, []);
  });
});

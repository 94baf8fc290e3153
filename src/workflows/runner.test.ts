import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import type { WorkflowActionName } from './actions.js';
import type { WorkflowParameterValue } from './run-parameters.js';
import {
  documentOf,
  fakeActions,
  ManualTimer,
  newLog,
  RecordingSink,
  runOptions,
  untilAborted,
} from './run-testing.js';
import { runWorkflow } from './runner.js';

/** Launch → Inventory → Script (no rollback) → Apply → Terminate; Apply's settings vary. */
const flow = (apply: string, launchRollback = 'true') => `schemaVersion: 1.0
parameters:
  - name: undoLaunch
    type: boolean
    default: true
steps:
  - name: Launch
    action: LaunchInstance
    rollbackEnabled: ${launchRollback}
    inputs:
      waitFor: ssmAgent
  - name: Inventory
    action: CollectImageMetadata
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
  - name: Script
    action: RunCommand
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
  - name: Apply
    action: ExecuteComponents
${apply}
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
  - name: Terminate
    action: TerminateInstance
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
`;

const ROLLS_BACK: WorkflowActionName[] = ['LaunchInstance', 'CollectImageMetadata', 'ExecuteComponents'];
const OUTPUTS = { LaunchInstance: { instanceId: 'i-1' }, CollectImageMetadata: { osVersion: 'Debian 12' } };
const failApply = { Apply: async () => Promise.reject(new Error('component "hello" exited 3')) };

describe('runWorkflow: failure handling and rollback', () => {
  const rows: {
    name: string;
    apply: string;
    launchRollback?: string;
    parameters?: WorkflowParameterValue[];
    failRollback?: string[];
    withRollback?: WorkflowActionName[];
    calls: string[];
    statuses: string[];
    rollback: Record<string, string | undefined>;
    counts: [number, number, number];
    message: string;
  }[] = [
    {
      name: 'Abort rolls back the failed step first, then the completed ones newest first',
      apply: '    onFailure: Abort',
      calls: ['Launch', 'Inventory', 'Script', 'Apply', 'undo Apply', 'undo Inventory', 'undo Launch'],
      statuses: ['RUNNING', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETED'],
      rollback: { Launch: 'COMPLETED', Inventory: 'COMPLETED', Script: 'SKIPPED', Apply: 'COMPLETED' },
      counts: [3, 1, 1],
      message: 'Step "Apply" failed: component "hello" exited 3',
    },
    {
      name: 'rollbackEnabled false (literal or via a JSONPath) skips that step only',
      apply: '    rollbackEnabled: false',
      launchRollback: '$.parameters.undoLaunch',
      parameters: [{ name: 'undoLaunch', value: ['false'] }],
      calls: ['Launch', 'Inventory', 'Script', 'Apply', 'undo Inventory'],
      statuses: ['RUNNING', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETED'],
      rollback: { Launch: 'SKIPPED', Inventory: 'COMPLETED', Script: 'SKIPPED', Apply: 'SKIPPED' },
      counts: [3, 1, 1],
      message: 'Step "Apply" failed',
    },
    {
      name: 'with nothing to roll back the workflow is simply FAILED',
      apply: '    rollbackEnabled: false',
      withRollback: [],
      calls: ['Launch', 'Inventory', 'Script', 'Apply'],
      statuses: ['RUNNING', 'FAILED'],
      rollback: { Launch: 'SKIPPED', Inventory: 'SKIPPED', Script: 'SKIPPED', Apply: 'SKIPPED' },
      counts: [3, 1, 1],
      message: 'Step "Apply" failed',
    },
    {
      name: 'Continue records the failure, runs the remaining steps and rolls nothing back',
      apply: '    onFailure: Continue',
      calls: ['Launch', 'Inventory', 'Script', 'Apply', 'Terminate'],
      statuses: ['RUNNING', 'COMPLETED'],
      rollback: { Launch: undefined, Inventory: undefined, Script: undefined, Apply: undefined },
      counts: [4, 1, 0],
      message: '1 step(s) failed with onFailure Continue: Apply',
    },
    {
      name: 'a failing rollback fails the workflow; the other rollbacks still run',
      apply: '    onFailure: Abort',
      failRollback: ['Inventory'],
      calls: ['Launch', 'Inventory', 'Script', 'Apply', 'undo Apply', 'undo Inventory', 'undo Launch'],
      statuses: ['RUNNING', 'ROLLBACK_IN_PROGRESS', 'FAILED'],
      rollback: { Launch: 'COMPLETED', Inventory: 'FAILED', Script: 'SKIPPED', Apply: 'COMPLETED' },
      counts: [3, 1, 1],
      message: 'rollback of step "Inventory" failed: cannot undo Inventory',
    },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const log = newLog();
      const actions = fakeActions(log, {
        outputs: OUTPUTS,
        behaviour: failApply,
        withRollback: row.withRollback ?? ROLLS_BACK,
        failRollback: row.failRollback ?? [],
      });
      const options = runOptions(actions, { parameters: row.parameters ?? [] });
      const result = await runWorkflow(documentOf(flow(row.apply, row.launchRollback)), options);

      assert.deepEqual(
        log.calls.map((c) => c.replace(/^run /, '').replace(/^rollback /, 'undo ')),
        row.calls,
      );
      assert.deepEqual(options.sink.workflowStatuses(), row.statuses);
      const byName = Object.fromEntries(result.steps.map((s) => [s.name, s]));
      for (const [name, status] of Object.entries(row.rollback)) {
        assert.equal(byName[name]?.rollbackStatus, status, `rollbackStatus of ${name}`);
      }
      const e = result.execution;
      assert.deepEqual([e.totalStepsSucceeded, e.totalStepsFailed, e.totalStepsSkipped], row.counts);
      assert.equal(e.totalStepCount, 5);
      assert.ok(e.message?.includes(row.message), e.message);
      assert.equal(byName.Apply?.status, 'FAILED');
      assert.equal(byName.Apply?.message, 'component "hello" exited 3');
      if (log.rollbackOutputs.Launch) assert.deepEqual(log.rollbackOutputs.Launch, { instanceId: 'i-1' });
    });
  }

  it('reports each rollback as RUNNING, then its result, in rollback order', async () => {
    const log = newLog();
    const actions = fakeActions(log, { outputs: OUTPUTS, behaviour: failApply, withRollback: ROLLS_BACK });
    const options = runOptions(actions);
    await runWorkflow(documentOf(flow('    onFailure: Abort')), options);
    assert.deepEqual(options.sink.stepTrail().slice(8), [
      'Apply rollback:RUNNING',
      'Apply rollback:COMPLETED',
      'Script rollback:SKIPPED',
      'Inventory rollback:RUNNING',
      'Inventory rollback:COMPLETED',
      'Launch rollback:RUNNING',
      'Launch rollback:COMPLETED',
    ]);
  });
});

describe('runWorkflow: timeouts and cancellation', () => {
  it('fails a step that overruns timeoutSeconds, aborting its signal, then rolls back', async () => {
    const log = newLog();
    const timer = new ManualTimer();
    let reason: unknown;
    const actions = fakeActions(log, {
      outputs: OUTPUTS,
      withRollback: ['LaunchInstance'],
      behaviour: {
        Apply: async (_inputs, ctx) => {
          timer.expire();
          return untilAborted(ctx.signal).catch((err) => {
            reason = err;
            throw err;
          });
        },
      },
    });
    const options = runOptions(actions, { timer });
    const result = await runWorkflow(documentOf(flow('    timeoutSeconds: 90')), options);
    const apply = result.steps.find((s) => s.name === 'Apply');
    assert.equal(apply?.status, 'FAILED');
    assert.equal(apply?.message, 'Step timed out after 90 seconds');
    assert.ok(reason instanceof Error && reason.message === 'timed out after 90 seconds');
    assert.equal(result.execution.status, 'ROLLBACK_COMPLETED');
    // Launch's default (75 min) is armed for its run, Apply's own 90 s for its run.
    assert.deepEqual(
      timer.armed.slice(0, 4).map((t) => t.ms),
      [4_500_000, 1_800_000, 43_200_000, 90_000],
    );
    assert.ok(log.calls.includes('rollback Launch'));
  });

  it('cancellation marks the running step and the workflow CANCELLED, then rolls back', async () => {
    const log = newLog();
    const controller = new AbortController();
    const actions = fakeActions(log, {
      outputs: OUTPUTS,
      withRollback: ROLLS_BACK,
      behaviour: {
        Apply: async (_inputs, ctx) => {
          controller.abort('CancelImageCreation');
          return untilAborted(ctx.signal);
        },
      },
    });
    const options = runOptions(actions, { signal: controller.signal });
    const result = await runWorkflow(documentOf(flow('    onFailure: Continue')), options);
    assert.deepEqual(options.sink.workflowStatuses(), ['RUNNING', 'ROLLBACK_IN_PROGRESS', 'CANCELLED']);
    const apply = result.steps.find((s) => s.name === 'Apply');
    assert.equal(apply?.status, 'CANCELLED');
    assert.deepEqual(log.calls.slice(4), ['rollback Apply', 'rollback Inventory', 'rollback Launch']);
    assert.equal(result.execution.message, 'Workflow execution cancelled while step "Apply" was running');
    assert.deepEqual(
      [
        result.execution.totalStepsSucceeded,
        result.execution.totalStepsFailed,
        result.execution.totalStepsSkipped,
      ],
      [3, 1, 1],
    );
  });

  it('a run cancelled before it starts runs no step', async () => {
    const log = newLog();
    const controller = new AbortController();
    controller.abort();
    const options = runOptions(fakeActions(log), { signal: controller.signal });
    const result = await runWorkflow(documentOf(flow('')), options);
    assert.equal(result.execution.status, 'CANCELLED');
    assert.deepEqual(log.calls, []);
    assert.deepEqual(result.steps, []);
    assert.equal(result.execution.totalStepsSkipped, 5);
  });
});

describe('runWorkflow: conditions, inputs and outputs', () => {
  const doc = `schemaVersion: 1.0
parameters:
  - name: sizes
    type: stringList
    default: [small]
  - name: runExtra
    type: boolean
steps:
  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Extra
    action: RunCommand
    if:
      booleanEquals: true
      value: $.parameters.runExtra
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      documentName: AWS-RunShellScript
  - name: Capture
    action: CreateImage
    if:
      stringEquals: AMI
      value: $.imagebuilder.imageType
    inputs:
      instanceId.$: $.stepOutputs.Launch.instanceId
      sizes.$: $.parameters.sizes
      note: "{{ $.imagebuilder.imageName }} from {{ $.stepOutputs.Launch.instanceId }} after {{ $.workflowOutputs.BuiltImage }}"
      nested:
        first.$: $.parameters.sizes[0]
outputs:
  - name: ImageId
    value: $.stepOutputs.Capture.imageId
  - name: Summary
    value: "image {{ $.stepOutputs.Capture.imageId }}"
`;
  const rows = [
    {
      name: 'runs every step whose if holds and resolves inputs',
      runExtra: 'true',
      imageType: 'AMI',
      statuses: ['COMPLETED', 'COMPLETED', 'COMPLETED'],
      counts: [3, 0, 0],
      outputs: { ImageId: 'ami-1', Summary: 'image ami-1' },
    },
    {
      name: 'an if that is false skips the step and counts it',
      runExtra: 'false',
      imageType: 'Docker',
      statuses: ['COMPLETED', 'SKIPPED', 'SKIPPED'],
      counts: [1, 0, 2],
      outputs: {}, // both read the skipped Capture step, so neither has a value
    },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const log = newLog();
      const actions = fakeActions(log, { outputs: { ...OUTPUTS, CreateImage: { imageId: 'ami-1' } } });
      const options = runOptions(actions, {
        parameters: [{ name: 'runExtra', value: [row.runExtra] }],
        imagebuilder: { imageType: row.imageType, imageName: 'web' },
        workflowOutputs: { BuiltImage: 'ami-0' },
      });
      const result = await runWorkflow(documentOf(doc), options);
      assert.deepEqual(
        result.steps.map((s) => s.status),
        row.statuses,
      );
      const e = result.execution;
      assert.equal(e.status, 'COMPLETED');
      assert.deepEqual([e.totalStepsSucceeded, e.totalStepsFailed, e.totalStepsSkipped], row.counts);
      assert.deepEqual(result.outputs, row.outputs);
      for (const s of result.steps.filter((r) => r.status === 'SKIPPED')) {
        assert.equal(log.inputs[s.name], undefined, `${s.name} must not run`);
        assert.equal(s.inputs, undefined);
      }
    });
  }

  it('passes JSONPath inputs and interpolated strings to the action and records them as JSON', async () => {
    const log = newLog();
    const actions = fakeActions(log, { outputs: { ...OUTPUTS, CreateImage: { imageId: 'ami-1' } } });
    const options = runOptions(actions, {
      parameters: [{ name: 'runExtra', value: ['false'] }],
      imagebuilder: { imageType: 'AMI', imageName: 'web' },
      workflowOutputs: { BuiltImage: 'ami-0' },
    });
    const result = await runWorkflow(documentOf(doc), options);
    const expected = {
      instanceId: 'i-1',
      sizes: ['small'],
      note: 'web from i-1 after ami-0',
      nested: { first: 'small' },
    };
    assert.deepEqual(log.inputs.Capture, expected);
    const capture = result.steps.find((s) => s.name === 'Capture');
    assert.deepEqual(JSON.parse(capture?.inputs ?? ''), expected);
    assert.deepEqual(JSON.parse(capture?.outputs ?? ''), { imageId: 'ami-1' });
  });

  it('fails a step whose input has no value, naming the input', async () => {
    const log = newLog();
    const options = runOptions(fakeActions(log, { outputs: OUTPUTS }), {
      parameters: [{ name: 'runExtra', value: ['false'] }],
      imagebuilder: { imageType: 'AMI', imageName: 'web' },
    });
    const result = await runWorkflow(documentOf(doc), options);
    const capture = result.steps.find((s) => s.name === 'Capture');
    assert.equal(capture?.status, 'FAILED');
    assert.match(capture?.message ?? '', /^inputs\.note: "\$\.workflowOutputs\.BuiltImage" has no value/);
    assert.equal(log.inputs.Capture, undefined);
    assert.equal(result.execution.status, 'FAILED');
  });

  it('does not roll back a step whose inputs failed, since its action never started', async () => {
    const log = newLog();
    const actions = fakeActions(log, { outputs: OUTPUTS, withRollback: ['LaunchInstance', 'CreateImage'] });
    const options = runOptions(actions, {
      parameters: [{ name: 'runExtra', value: ['false'] }],
      imagebuilder: { imageType: 'AMI', imageName: 'web' },
    });
    const result = await runWorkflow(documentOf(doc), options);
    assert.deepEqual(log.calls, ['run Launch', 'rollback Launch']);
    assert.equal(result.steps.find((s) => s.name === 'Capture')?.rollbackStatus, 'SKIPPED');
    assert.equal(result.execution.status, 'ROLLBACK_COMPLETED');
  });

  it('fails a step whose if reads a value of the wrong type', async () => {
    const options = runOptions(fakeActions(newLog(), { outputs: OUTPUTS }), {
      parameters: [{ name: 'runExtra', value: ['true'] }],
      imagebuilder: { imageType: 5 },
    });
    const result = await runWorkflow(documentOf(doc), options);
    const capture = result.steps.find((s) => s.name === 'Capture');
    assert.equal(
      capture?.message,
      'if: "$.imagebuilder.imageType" is number 5; stringEquals compares a string',
    );
  });

  it('rejects missing parameters before any step runs or anything is recorded', async () => {
    const sink = new RecordingSink();
    const log = newLog();
    await assert.rejects(
      runWorkflow(documentOf(doc), runOptions(fakeActions(log), { sink })),
      (err: unknown) => err instanceof KilnError && /"runExtra" \(boolean\) has no default/.test(err.message),
    );
    assert.deepEqual(sink.events, []);
    assert.deepEqual(log.calls, []);
  });
});

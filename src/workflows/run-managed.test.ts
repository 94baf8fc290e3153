import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWorkflowDocument } from './document.js';
import { managedWorkflows } from './managed.js';
import { fakeActions, newLog, runOptions } from './run-testing.js';
import { runWorkflow } from './runner.js';

function managed(name: string) {
  const workflow = managedWorkflows().find((w) => w.name === name);
  assert.ok(workflow, name);
  const parsed = parseWorkflowDocument(workflow.data, workflow.type);
  assert.ok(parsed.ok);
  return parsed.document;
}

const OUTPUTS = {
  LaunchInstance: { instanceId: 'i-0123456789abcdef0' },
  CreateImage: { imageId: 'ami-0123456789abcdef0' },
  CollectImageMetadata: { osVersion: 'Debian 12', associationId: 'assoc-1' },
};

/**
 * api.md §4.2: AWS's default build-image run has 7 steps, 5 succeeded and 2 skipped. With this
 * document that is a Linux AMI whose enhanced metadata collection is off (InventoryCollection
 * and RunSysPrepScript skipped); with collection on, only RunSysPrepScript is skipped.
 */
const BUILD_ROWS = [
  {
    name: 'Linux AMI, collectImageMetadata false (the AWS example: 5 succeeded, 2 skipped)',
    imagebuilder: { imageType: 'AMI', platform: 'Linux', collectImageMetadata: false },
    skipped: ['InventoryCollection', 'RunSysPrepScript'],
    counts: [5, 0, 2],
  },
  {
    name: 'Linux AMI, collectImageMetadata true',
    imagebuilder: { imageType: 'AMI', platform: 'Linux', collectImageMetadata: true },
    skipped: ['RunSysPrepScript'],
    counts: [6, 0, 1],
  },
  {
    name: 'Windows AMI, collectImageMetadata true',
    imagebuilder: { imageType: 'AMI', platform: 'Windows', collectImageMetadata: true },
    skipped: ['RunSanitizeScript'],
    counts: [6, 0, 1],
  },
];

describe('runWorkflow on the managed build-image document', () => {
  for (const row of BUILD_ROWS) {
    it(row.name, async () => {
      const log = newLog();
      const options = runOptions(fakeActions(log, { outputs: OUTPUTS }), {
        imagebuilder: { ...row.imagebuilder, workflowPhase: 'Build' },
      });
      const result = await runWorkflow(managed('build-image'), options);
      const e = result.execution;
      assert.equal(e.status, 'COMPLETED');
      assert.equal(e.totalStepCount, 7);
      assert.deepEqual([e.totalStepsSucceeded, e.totalStepsFailed, e.totalStepsSkipped], row.counts);
      assert.deepEqual(
        result.steps.filter((s) => s.status === 'SKIPPED').map((s) => s.name),
        row.skipped,
      );
      assert.deepEqual(result.outputs, { ImageId: 'ami-0123456789abcdef0' });
      assert.deepEqual(log.inputs.CreateOutputAMI, { instanceId: 'i-0123456789abcdef0' });
    });
  }

  it('a failed build component aborts, terminates nothing itself, and rolls back the launch', async () => {
    const log = newLog();
    const actions = fakeActions(log, {
      outputs: OUTPUTS,
      withRollback: ['LaunchInstance', 'CollectImageMetadata'],
      behaviour: { ApplyBuildComponents: async () => Promise.reject(new Error('component exited 1')) },
    });
    const result = await runWorkflow(
      managed('build-image'),
      runOptions(actions, {
        imagebuilder: { imageType: 'AMI', platform: 'Linux', collectImageMetadata: true },
      }),
    );
    assert.equal(result.execution.status, 'ROLLBACK_COMPLETED');
    assert.deepEqual(log.calls, [
      'run LaunchBuildInstance',
      'run ApplyBuildComponents',
      'rollback LaunchBuildInstance',
    ]);
    assert.deepEqual(result.outputs, {});
  });
});

/**
 * api.md §4.2 quotes an AWS test-image run with 4 steps and 2 skipped. This document has one
 * conditional step (CollectImageScanFindings), so no `$.imagebuilder` values skip two; the rows
 * show what the conditions give.
 */
const TEST_ROWS = [
  {
    name: 'Linux, scan findings collected',
    imagebuilder: { platform: 'Linux', collectImageScanFindings: true },
    counts: [4, 0, 0],
  },
  {
    name: 'Linux, scanning off',
    imagebuilder: { platform: 'Linux', collectImageScanFindings: false },
    counts: [3, 0, 1],
  },
  {
    name: 'macOS, scanning on (not scannable)',
    imagebuilder: { platform: 'macOS', collectImageScanFindings: true },
    counts: [3, 0, 1],
  },
];

describe('runWorkflow on the managed test-image document', () => {
  for (const row of TEST_ROWS) {
    it(row.name, async () => {
      const options = runOptions(fakeActions(newLog(), { outputs: OUTPUTS }), {
        imagebuilder: { ...row.imagebuilder, imageType: 'AMI', workflowPhase: 'Test' },
      });
      const result = await runWorkflow(managed('test-image'), options);
      const e = result.execution;
      assert.equal(e.status, 'COMPLETED');
      assert.equal(e.totalStepCount, 4);
      assert.deepEqual([e.totalStepsSucceeded, e.totalStepsFailed, e.totalStepsSkipped], row.counts);
    });
  }

  it('a failed scan is recorded and the tests still run (onFailure Continue)', async () => {
    const log = newLog();
    const actions = fakeActions(log, {
      outputs: OUTPUTS,
      behaviour: { CollectImageScanFindings: async () => Promise.reject(new Error('scanner unavailable')) },
    });
    const result = await runWorkflow(
      managed('test-image'),
      runOptions(actions, { imagebuilder: { platform: 'Linux', collectImageScanFindings: true } }),
    );
    assert.equal(result.execution.status, 'COMPLETED');
    assert.deepEqual([result.execution.totalStepsSucceeded, result.execution.totalStepsFailed], [3, 1]);
    assert.ok(log.calls.includes('run ApplyTestComponents'));
  });
});

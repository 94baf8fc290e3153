import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWorkflowDocument } from './document.js';
import { managedWorkflows } from './managed.js';
import { parseOk } from './testing.js';

// Step order and actions as api.md §8.3 describes the AWS-managed documents.
const EXPECTED_STEPS: Record<string, [string, string][]> = {
  'build-image': [
    ['LaunchBuildInstance', 'LaunchInstance'],
    ['ApplyBuildComponents', 'ExecuteComponents'],
    ['InventoryCollection', 'CollectImageMetadata'],
    ['RunSanitizeScript', 'SanitizeInstance'],
    ['RunSysPrepScript', 'RunSysPrep'],
    ['CreateOutputAMI', 'CreateImage'],
    ['TerminateBuildInstance', 'TerminateInstance'],
  ],
  'test-image': [
    ['LaunchTestInstance', 'LaunchInstance'],
    ['CollectImageScanFindings', 'CollectImageScanFindings'],
    ['ApplyTestComponents', 'ExecuteComponents'],
    ['TerminateTestInstance', 'TerminateInstance'],
  ],
  'build-container': [
    ['LaunchBuildInstance', 'LaunchInstance'],
    ['BootstrapBuildInstance', 'BootstrapInstanceForContainer'],
    ['ApplyBuildComponents', 'ExecuteComponents'],
    ['TerminateBuildInstance', 'TerminateInstance'],
  ],
  'test-container': [
    ['LaunchTestInstance', 'LaunchInstance'],
    ['BootstrapTestInstance', 'BootstrapInstanceForContainer'],
    ['ApplyTestComponents', 'ExecuteComponents'],
    ['TerminateTestInstance', 'TerminateInstance'],
  ],
  'distribute-image': [['DistributeImage', 'DistributeImage']],
  'distribute-container': [
    ['LaunchDistributionInstance', 'LaunchInstance'],
    ['DistributeContainerImage', 'DistributeContainerImage'],
    ['TerminateDistributionInstance', 'TerminateInstance'],
  ],
};

describe('managedWorkflows', () => {
  it('lists the six managed workflows with their types', () => {
    assert.deepEqual(
      managedWorkflows().map((w) => [w.name, w.type, w.version]),
      [
        ['build-image', 'BUILD', '1.0.0'],
        ['test-image', 'TEST', '1.0.0'],
        ['build-container', 'BUILD', '1.0.0'],
        ['test-container', 'TEST', '1.0.0'],
        ['distribute-image', 'DISTRIBUTION', '1.0.0'],
        ['distribute-container', 'DISTRIBUTION', '1.0.0'],
      ],
    );
  });

  for (const workflow of managedWorkflows()) {
    it(`${workflow.name} parses as a ${workflow.type} workflow with the documented steps`, () => {
      const { document } = parseOk(workflow.data, workflow.type);
      assert.equal(document.name, workflow.name);
      assert.deepEqual(
        document.steps.map((s) => [s.name, s.action]),
        EXPECTED_STEPS[workflow.name],
      );
      const terminate = document.steps.find((s) => s.action === 'TerminateInstance');
      if (terminate) assert.equal(terminate.onFailure, 'Continue', 'cleanup must not abort the workflow');
    });
  }

  it('build-image reports the AMI it created as ImageId, only for AMI builds', () => {
    const build = managedWorkflows().find((w) => w.name === 'build-image');
    assert.ok(build);
    const { document } = parseOk(build.data, 'BUILD');
    assert.deepEqual(document.outputs, [{ name: 'ImageId', value: '$.stepOutputs.CreateOutputAMI.imageId' }]);
    const create = document.steps.find((s) => s.name === 'CreateOutputAMI');
    assert.deepEqual(create?.if, {
      kind: 'compare',
      comparator: 'stringEquals',
      expected: 'AMI',
      value: '$.imagebuilder.imageType',
    });
  });

  it('build documents are rejected as distribution workflows (stage checks apply to them too)', () => {
    const build = managedWorkflows().find((w) => w.name === 'build-image');
    assert.ok(build);
    assert.equal(parseWorkflowDocument(build.data, 'DISTRIBUTION').ok, false);
  });

  it('returns the same frozen list each time', () => {
    assert.equal(managedWorkflows(), managedWorkflows());
    assert.ok(Object.isFrozen(managedWorkflows()) && Object.isFrozen(managedWorkflows()[0]));
  });
});

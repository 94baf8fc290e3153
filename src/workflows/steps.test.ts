import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowType } from './actions.js';
import { assertProblems, type Expected, LAUNCH, stepsOf, withSteps } from './testing.js';

const APPLY = (inputs: string) => `  - name: Apply\n    action: ExecuteComponents\n    inputs:\n${inputs}`;
const step = (body: string) => `  - name: Check\n${body}`;

describe('steps: accepted', () => {
  it('fills defaults: onFailure Abort, rollback on, the action timeout', () => {
    const [launch, apply] = stepsOf(
      withSteps(APPLY('      instanceId.$: "$.stepOutputs.Launch.instanceId"\n')),
    );
    assert.deepEqual(launch, {
      name: 'Launch',
      action: 'LaunchInstance',
      onFailure: 'Abort',
      rollbackEnabled: true,
      timeoutSeconds: 75 * 60,
      inputs: { waitFor: 'ssmAgent' },
    });
    assert.equal(apply?.timeoutSeconds, 720 * 60);
    assert.deepEqual(apply?.inputs, { 'instanceId.$': '$.stepOutputs.Launch.instanceId' });
  });

  it('keeps what is written: onFailure, rollbackEnabled JSONPath, timeout, description, condition', () => {
    const text = withSteps(
      step(`    action: WaitForAction
    description: wait for a human
    onFailure: Continue
    rollbackEnabled: "$.parameters.undo"
    timeoutSeconds: 600
    if:
      and:
        - numberGreaterThanEquals: 2
          value: "$.parameters.count"
        - or:
            - booleanEquals: true
              value: "$.parameters.undo"
            - not:
                stringEquals: "Windows"
                value: "$.imagebuilder.platform"
`),
      'parameters:\n  - name: undo\n    type: boolean\n  - name: count\n    type: integer\n',
    );
    const check = stepsOf(text)[1];
    assert.equal(check?.onFailure, 'Continue');
    assert.equal(check?.rollbackEnabled, '$.parameters.undo');
    assert.equal(check?.timeoutSeconds, 600);
    assert.equal(check?.description, 'wait for a human');
    assert.deepEqual(check?.if, {
      kind: 'and',
      conditions: [
        { kind: 'compare', comparator: 'numberGreaterThanEquals', expected: 2, value: '$.parameters.count' },
        {
          kind: 'or',
          conditions: [
            { kind: 'compare', comparator: 'booleanEquals', expected: true, value: '$.parameters.undo' },
            {
              kind: 'not',
              condition: {
                kind: 'compare',
                comparator: 'stringEquals',
                expected: 'Windows',
                value: '$.imagebuilder.platform',
              },
            },
          ],
        },
      ],
    });
  });

  const ACCEPTED: [string, WorkflowType, string][] = [
    [
      'RunCommand with a parameters map',
      'TEST',
      withSteps(
        step(`    action: RunCommand
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
      documentName: AWS-UpdateSSMAgent
      parameters:
        allowDowngrade: ["false"]
`),
      ),
    ],
    [
      'interpolation of a declared parameter and a system variable',
      'BUILD',
      withSteps(
        step(`    action: RunCommand
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
      documentName: "{{ $.parameters.doc }}-{{$.imagebuilder.imageName}}"
`),
        'parameters:\n  - name: doc\n    type: string\n',
      ),
    ],
    [
      'AMI distribution chain reading distributedImages deeper',
      'DISTRIBUTION',
      `schemaVersion: 1.0
steps:
  - name: Distribute
    action: DistributeImage
  - name: Share
    action: ModifyImageAttributes
    inputs:
      distributedImages.$: "$.stepOutputs.Distribute.distributedImages"
  - name: Configure
    action: ApplyImageConfigurations
    inputs:
      distributedImages.$: "$.stepOutputs.Distribute.distributedImages[0]"
`,
    ],
    [
      'outputs of a WaitForAction feed a later step',
      'TEST',
      `schemaVersion: 1.0
steps:
  - name: GetInstance
    action: WaitForAction
  - name: Apply
    action: ExecuteComponents
    inputs:
      instanceId.$: "$.stepOutputs.GetInstance.reason"
`,
    ],
    [
      'workflowOutputs of an earlier workflow',
      'TEST',
      withSteps(
        step(`    action: RunCommand
    inputs:
      instanceId.$: "$.stepOutputs.Launch.instanceId"
      documentName.$: "$.workflowOutputs.ImageId"
`),
      ),
    ],
    [
      'a stringEquals against a literal value',
      'BUILD',
      withSteps(
        step(`    action: WaitForAction
    if:
      stringEquals: "a"
      value: "a"
`),
      ),
    ],
  ];
  for (const [name, type, text] of ACCEPTED) {
    it(name, () => assert.ok(stepsOf(text, type).length > 0));
  }
});

const INVALID: [string, WorkflowType, string, Expected[]][] = [
  [
    'no steps',
    'BUILD',
    'schemaVersion: 1.0\nsteps: []\n',
    [{ path: 'steps', message: 'must be a list of 1 to 15 steps', line: 2 }],
  ],
  [
    'steps missing',
    'BUILD',
    'schemaVersion: 1.0\n',
    [{ path: 'steps', message: 'must be a list of 1 to 15 steps' }],
  ],
  [
    '16 steps',
    'BUILD',
    `schemaVersion: 1.0\nsteps:\n${Array.from({ length: 16 }, (_, i) => `  - name: W${i}\n    action: WaitForAction\n`).join('')}`,
    [{ path: 'steps', message: 'must be a list of 1 to 15 steps' }],
  ],
  [
    'a step that is not a map',
    'BUILD',
    withSteps('  - LaunchInstance\n'),
    [{ path: 'steps[1]', message: 'must be a map with name, action and inputs', line: 7 }],
  ],
  [
    'name starting with a digit',
    'BUILD',
    withSteps('  - name: 1Check\n    action: WaitForAction\n'),
    [{ path: 'steps[1].name', message: 'must be 2-100 characters: a letter, then', line: 7 }],
  ],
  [
    'one-letter name',
    'BUILD',
    withSteps('  - name: A\n    action: WaitForAction\n'),
    [{ path: 'steps[1].name', message: 'must be 2-100 characters' }],
  ],
  [
    'name with a dot',
    'BUILD',
    withSteps('  - name: Do.It\n    action: WaitForAction\n'),
    [{ path: 'steps[1].name', message: 'must be 2-100 characters' }],
  ],
  [
    'duplicate name',
    'BUILD',
    withSteps('  - name: Launch\n    action: WaitForAction\n'),
    [{ path: 'steps[1].name', message: '"Launch" is already the name of an earlier step' }],
  ],
  [
    'misspelt field',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    onfailure: Continue\n')),
    [{ path: 'steps[1].onfailure', message: 'is not a step field; steps have name, action', line: 9 }],
  ],
  [
    'no action',
    'BUILD',
    withSteps(step('    inputs: {}\n')),
    [{ path: 'steps[1].action', message: 'step "Check" needs an action' }],
  ],
  [
    'unknown action',
    'BUILD',
    withSteps(step('    action: Reboot\n')),
    [
      {
        path: 'steps[1].action',
        message: 'step "Check" has unknown action "Reboot"; use one of LaunchInstance',
      },
    ],
  ],
  [
    'action in the wrong case',
    'BUILD',
    withSteps(step('    action: waitforaction\n')),
    [{ path: 'steps[1].action', message: 'did you mean WaitForAction?' }],
  ],
  [
    'ExecuteComponents in a DISTRIBUTION workflow',
    'DISTRIBUTION',
    withSteps(APPLY('      instanceId.$: "$.stepOutputs.Launch.instanceId"\n')),
    [
      {
        path: 'steps[1].action',
        message: `step "Apply" uses ExecuteComponents, which can't run in a DISTRIBUTION workflow; it is allowed in BUILD and TEST workflows`,
        line: 8,
      },
    ],
  ],
  [
    'CollectImageMetadata in a TEST workflow',
    'TEST',
    withSteps(step('    action: CollectImageMetadata\n    inputs:\n      instanceId: i-1\n')),
    [
      {
        path: 'steps[1].action',
        message:
          "uses CollectImageMetadata, which can't run in a TEST workflow; it is allowed in BUILD workflows",
      },
    ],
  ],
  [
    'CollectImageScanFindings in a BUILD workflow',
    'BUILD',
    withSteps(step('    action: CollectImageScanFindings\n    inputs:\n      instanceId: i-1\n')),
    [{ path: 'steps[1].action', message: "can't run in a BUILD workflow; it is allowed in TEST workflows" }],
  ],
  [
    'DistributeImage in a BUILD workflow',
    'BUILD',
    withSteps(step('    action: DistributeImage\n')),
    [{ path: 'steps[1].action', message: "uses DistributeImage, which can't run in a BUILD workflow" }],
  ],
  [
    'container and AMI distribution together',
    'DISTRIBUTION',
    withSteps(
      '  - name: Push\n    action: DistributeContainerImage\n    inputs:\n      instanceId.$: "$.stepOutputs.Launch.instanceId"\n  - name: Copy\n    action: DistributeImage\n',
    ),
    [
      {
        path: 'steps[2].action',
        message: "DistributeImage can't be combined with DistributeContainerImage in one workflow",
        line: 12,
      },
    ],
  ],
  [
    'LaunchInstance without waitFor',
    'BUILD',
    'schemaVersion: 1.0\nsteps:\n  - name: Launch\n    action: LaunchInstance\n',
    [
      {
        path: 'steps[0].inputs',
        message: 'step "Launch" (LaunchInstance) needs input "waitFor" (or "waitFor.$" with a JSONPath)',
        line: 3,
      },
    ],
  ],
  [
    'RunCommand without documentName',
    'TEST',
    withSteps(
      step('    action: RunCommand\n    inputs:\n      instanceId.$: "$.stepOutputs.Launch.instanceId"\n'),
    ),
    [{ path: 'steps[1].inputs', message: 'needs input "documentName"', line: 10 }],
  ],
  [
    'ModifyImageAttributes without distributedImages',
    'DISTRIBUTION',
    'schemaVersion: 1.0\nsteps:\n  - name: Share\n    action: ModifyImageAttributes\n    inputs: {}\n',
    [{ path: 'steps[0].inputs', message: 'needs input "distributedImages"' }],
  ],
  [
    'inputs that are a list',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    inputs: [a]\n')),
    [{ path: 'steps[1].inputs', message: 'must be a map of input names to values' }],
  ],
  [
    'onFailure in lower case',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    onFailure: abort\n')),
    [{ path: 'steps[1].onFailure', message: 'must be Abort or Continue' }],
  ],
  [
    'rollbackEnabled as a word',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    rollbackEnabled: "yes"\n')),
    [{ path: 'steps[1].rollbackEnabled', message: '"yes" is not a JSONPath; it must start with "$."' }],
  ],
  [
    'rollbackEnabled as a number',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    rollbackEnabled: 1\n')),
    [{ path: 'steps[1].rollbackEnabled', message: 'must be true, false or a JSONPath' }],
  ],
  [
    'timeout of zero',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    timeoutSeconds: 0\n')),
    [
      {
        path: 'steps[1].timeoutSeconds',
        message: 'must be a whole number of seconds from 1 to 86400',
        line: 9,
      },
    ],
  ],
  [
    'timeout over a day',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    timeoutSeconds: 86401\n')),
    [{ path: 'steps[1].timeoutSeconds', message: 'from 1 to 86400' }],
  ],
  [
    'fractional timeout',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    timeoutSeconds: 1.5\n')),
    [{ path: 'steps[1].timeoutSeconds', message: 'from 1 to 86400' }],
  ],
  [
    'description that is a list',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    description: [a]\n')),
    [{ path: 'steps[1].description', message: 'must be a string' }],
  ],
];

describe('steps: rejected', () => {
  for (const [name, type, text, expected] of INVALID) {
    it(name, () => assertProblems(text, type, expected));
  }
});

it('LAUNCH fixture is itself valid in every stage', () => {
  for (const type of ['BUILD', 'TEST', 'DISTRIBUTION'] as const) {
    assert.equal(stepsOf(`schemaVersion: 1.0\nsteps:\n${LAUNCH}`, type).length, 1);
  }
});

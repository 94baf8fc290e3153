import { describe, it } from 'node:test';
import type { WorkflowType } from './actions.js';
import { assertProblems, type Expected, withSteps } from './testing.js';

const APPLY = (inputs: string) => `  - name: Apply\n    action: ExecuteComponents\n    inputs:\n${inputs}`;
const step = (body: string) => `  - name: Check\n${body}`;

// Problems in step conditions and in the JSONPath references of inputs, with exact paths.
const INVALID: [string, WorkflowType, string, Expected[]][] = [
  // Conditions.
  [
    'if with two operators',
    'BUILD',
    withSteps(
      step(
        '    action: WaitForAction\n    if:\n      stringEquals: a\n      booleanEquals: true\n      value: a\n',
      ),
    ),
    [{ path: 'steps[1].if', message: 'must have exactly one operator', line: 10 }],
  ],
  [
    'if with an unknown operator',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    if:\n      stringContains: a\n      value: a\n')),
    [
      { path: 'steps[1].if.stringContains', message: 'is not a condition operator', line: 10 },
      { path: 'steps[1].if', message: 'found 0' },
    ],
  ],
  [
    'if that is a string',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    if: "$.parameters.x"\n')),
    [{ path: 'steps[1].if', message: 'must be a condition such as' }],
  ],
  [
    'and with no conditions',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    if:\n      and: []\n')),
    [{ path: 'steps[1].if.and', message: 'must be a non-empty list of conditions' }],
  ],
  [
    'comparator without value',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    if:\n      stringEquals: AMI\n')),
    [{ path: 'steps[1].if', message: 'stringEquals needs a "value" to compare with' }],
  ],
  [
    'stringEquals with a number',
    'BUILD',
    withSteps(
      step(
        '    action: WaitForAction\n    if:\n      stringEquals: 3\n      value: "$.imagebuilder.imageType"\n',
      ),
    ),
    [{ path: 'steps[1].if.stringEquals', message: 'must be a string', line: 10 }],
  ],
  [
    'booleanEquals with a string',
    'BUILD',
    withSteps(
      step(
        '    action: WaitForAction\n    if:\n      booleanEquals: "true"\n      value: "$.imagebuilder.collectImageMetadata"\n',
      ),
    ),
    [{ path: 'steps[1].if.booleanEquals', message: 'must be a boolean' }],
  ],
  [
    'numberLessThan with a literal of the wrong type',
    'BUILD',
    withSteps(step('    action: WaitForAction\n    if:\n      numberLessThan: 3\n      value: "three"\n')),
    [
      {
        path: 'steps[1].if.value',
        message: 'must be a JSONPath ("$.…") or a number to compare with numberLessThan',
      },
    ],
  ],
  [
    'value beside not',
    'BUILD',
    withSteps(
      step(
        '    action: WaitForAction\n    if:\n      not:\n        stringEquals: a\n        value: a\n      value: b\n',
      ),
    ),
    [{ path: 'steps[1].if.value', message: `doesn't belong beside "not"` }],
  ],
  [
    'nested condition problem has its path',
    'BUILD',
    withSteps(
      step(
        '    action: WaitForAction\n    if:\n      or:\n        - stringEquals: a\n          value: a\n        - numberEquals: 1\n          value: "$.imagebuilder.nope"\n',
      ),
    ),
    [
      {
        path: 'steps[1].if.or[1].value',
        message: '"$.imagebuilder.nope" is not a system variable',
        line: 14,
      },
    ],
  ],
  // JSONPath inputs and references.
  [
    '.$ input that is not a string',
    'BUILD',
    withSteps(APPLY('      instanceId.$: 42\n')),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: 'ends in ".$", so its value must be a JSONPath string starting with "$."',
        line: 10,
      },
    ],
  ],
  [
    '.$ input without $.',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "stepOutputs.Launch.instanceId"\n')),
    [{ path: 'steps[1].inputs.instanceId.$', message: 'must be a JSONPath string starting with "$."' }],
  ],
  [
    'reference to a later step',
    'BUILD',
    withSteps(
      `${APPLY('      instanceId.$: "$.stepOutputs.Later.instanceId"\n')}  - name: Later\n    action: LaunchInstance\n    inputs:\n      waitFor: ssmAgent\n`,
    ),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: 'refers to step "Later", which runs later; a step can only read outputs of earlier steps',
      },
    ],
  ],
  [
    'reference to its own step',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "$.stepOutputs.Apply.output"\n')),
    [{ path: 'steps[1].inputs.instanceId.$', message: 'refers to the step it is in' }],
  ],
  [
    'reference to a missing step',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "$.stepOutputs.Lunch.instanceId"\n')),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: '"$.stepOutputs.Lunch.instanceId" refers to step "Lunch", which does not exist',
      },
    ],
  ],
  [
    'reference to an output the action lacks',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "$.stepOutputs.Launch.imageId"\n')),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: 'refers to output "imageId" of step "Launch", but LaunchInstance produces instanceId',
      },
    ],
  ],
  [
    'reference to TerminateInstance output',
    'BUILD',
    withSteps(
      `  - name: Stop\n    action: TerminateInstance\n    inputs:\n      instanceId.$: "$.stepOutputs.Launch.instanceId"\n${APPLY('      instanceId.$: "$.stepOutputs.Stop.status"\n')}`,
    ),
    [{ path: 'steps[2].inputs.instanceId.$', message: 'but TerminateInstance produces no outputs' }],
  ],
  [
    'step reference without an output',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "$.stepOutputs.Launch"\n')),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: 'names no output; write $.stepOutputs.Launch.<output>',
      },
    ],
  ],
  [
    'unknown root',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "$.steps.Launch.instanceId"\n')),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: 'has an unknown root; use $.parameters.<name>, $.stepOutputs.<step>.<output>',
      },
    ],
  ],
  [
    'undeclared parameter',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "$.parameters.instance"\n')),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: 'refers to parameter "instance", which the document does not declare under parameters',
      },
    ],
  ],
  [
    'unknown system variable',
    'BUILD',
    withSteps(APPLY('      instanceId.$: "$.imagebuilder.instanceId"\n')),
    [
      {
        path: 'steps[1].inputs.instanceId.$',
        message: '"$.imagebuilder.instanceId" is not a system variable',
      },
    ],
  ],
  [
    'bad interpolation inside a nested input',
    'TEST',
    withSteps(
      step(
        '    action: RunCommand\n    inputs:\n      instanceId.$: "$.stepOutputs.Launch.instanceId"\n      documentName: doc\n      parameters:\n        commands: ["echo {{ $.parameters.missing }}"]\n',
      ),
    ),
    [{ path: 'steps[1].inputs.parameters.commands[0]', message: 'refers to parameter "missing"', line: 13 }],
  ],
];

describe('conditions and references: rejected', () => {
  for (const [name, type, text, expected] of INVALID) {
    it(name, () => assertProblems(text, type, expected));
  }
});

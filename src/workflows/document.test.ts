import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowType } from './actions.js';
import { MAX_WORKFLOW_DATA, parseWorkflowDocument } from './document.js';
import { formatProblem } from './problems.js';
import { assertProblems, type Expected, LAUNCH, parseOk, withSteps } from './testing.js';

const WAIT = 'steps:\n  - name: Wait\n    action: WaitForAction\n';

describe('parseWorkflowDocument: accepted documents', () => {
  for (const version of ['1.0', '1', '"1.0"']) {
    it(`schemaVersion ${version}`, () => {
      assert.equal(parseOk(`schemaVersion: ${version}\n${WAIT}`).document.schemaVersion, '1.0');
    });
  }

  it('reads JSON as well as YAML', () => {
    const json = JSON.stringify({
      name: 'from-json',
      schemaVersion: 1.0,
      steps: [{ name: 'Launch', action: 'LaunchInstance', inputs: { waitFor: 'ssmAgent' } }],
    });
    const { document } = parseOk(json, 'TEST');
    assert.equal(document.name, 'from-json');
    assert.equal(document.steps[0]?.action, 'LaunchInstance');
  });

  it('derives Workflow.parameters from the declarations, defaults as strings', () => {
    const text = `name: params
description: every parameter type
schemaVersion: 1.0
parameters:
  - name: waitForActionAtEnd
    type: boolean
    default: true
    description: pause before the end
  - name: count
    type: integer
    default: 3
  - name: label
    type: string
    default: nightly
  - name: regions
    type: stringList
    default: [eu-west-1, us-east-1]
  - name: required
    type: string
${WAIT}`;
    const result = parseOk(text);
    assert.deepEqual(result.parameters, [
      {
        name: 'waitForActionAtEnd',
        type: 'boolean',
        defaultValue: ['true'],
        description: 'pause before the end',
      },
      { name: 'count', type: 'integer', defaultValue: ['3'] },
      { name: 'label', type: 'string', defaultValue: ['nightly'] },
      { name: 'regions', type: 'stringList', defaultValue: ['eu-west-1', 'us-east-1'] },
      { name: 'required', type: 'string' },
    ]);
    assert.equal(result.document.parameters[1]?.default, 3);
    assert.equal(result.document.description, 'every parameter type');
  });

  it('accepts outputs that read any step, parameters and literals', () => {
    const text = withSteps('', 'parameters:\n  - name: tag\n    type: string\n').concat(
      'outputs:\n  - name: InstanceId\n    value: "$.stepOutputs.Launch.instanceId"\n  - name: Tag\n    value: "$.parameters.tag"\n  - name: Fixed\n    value: plain text\n',
    );
    assert.deepEqual(parseOk(text).document.outputs, [
      { name: 'InstanceId', value: '$.stepOutputs.Launch.instanceId' },
      { name: 'Tag', value: '$.parameters.tag' },
      { name: 'Fixed', value: 'plain text' },
    ]);
  });

  it('returns a deeply frozen result', () => {
    const result = parseOk(withSteps(''));
    assert.ok(Object.isFrozen(result));
    assert.ok(Object.isFrozen(result.document.steps));
    assert.ok(Object.isFrozen(result.document.steps[0]?.inputs));
  });
});

const twentySix = (item: (i: number) => string): string =>
  Array.from({ length: 26 }, (_, i) => item(i)).join('');

/** Eight levels of ten aliases each: 10^8 nodes if expanded. */
const ALIAS_BOMB = Array.from({ length: 8 }, (_, i) => {
  const name = String.fromCharCode(97 + i);
  const item = i === 0 ? 'x' : `*${String.fromCharCode(96 + i)}`;
  return `${name}: &${name} [${Array(10).fill(item).join(', ')}]`;
}).join('\n');

const INVALID: [string, WorkflowType, string, Expected[]][] = [
  [
    'YAML syntax error',
    'BUILD',
    'schemaVersion: 1.0\nsteps: [\n',
    [{ path: '', message: 'Flow sequence', line: 3 }],
  ],
  [
    'duplicate keys',
    'BUILD',
    `schemaVersion: 1.0\nschemaVersion: 1.0\n${WAIT}`,
    [{ path: '', message: 'Map keys must be unique', line: 2 }],
  ],
  ['an alias bomb', 'BUILD', ALIAS_BOMB, [{ path: '', message: 'Excessive alias count' }]],
  [
    'a list instead of a map',
    'BUILD',
    '- schemaVersion: 1.0\n',
    [{ path: '', message: 'must be a YAML or JSON map with schemaVersion and steps' }],
  ],
  ['an empty document', 'BUILD', '', [{ path: '', message: 'must be a YAML or JSON map' }]],
  [
    'schemaVersion missing',
    'BUILD',
    WAIT,
    [{ path: 'schemaVersion', message: 'is required: schemaVersion: 1.0', line: 1 }],
  ],
  [
    'schemaVersion 2.0',
    'BUILD',
    `schemaVersion: 2.0\n${WAIT}`,
    [{ path: 'schemaVersion', message: 'must be 1.0', line: 1 }],
  ],
  [
    'schemaVersion "2"',
    'BUILD',
    `schemaVersion: "2"\n${WAIT}`,
    [{ path: 'schemaVersion', message: 'must be 1.0' }],
  ],
  [
    'unknown top-level field',
    'BUILD',
    `schemaVersion: 1.0\nphases: []\n${WAIT}`,
    [
      {
        path: 'phases',
        message: 'is not a document field; use name, description, schemaVersion, parameters, steps, outputs',
        line: 2,
      },
    ],
  ],
  [
    'name that is a number',
    'BUILD',
    `name: 5\nschemaVersion: 1.0\n${WAIT}`,
    [{ path: 'name', message: 'must be a string', line: 1 }],
  ],
  [
    'parameters not a list',
    'BUILD',
    `schemaVersion: 1.0\nparameters: {a: 1}\n${WAIT}`,
    [{ path: 'parameters', message: 'must be a list of at most 25 parameters', line: 2 }],
  ],
  [
    '26 parameters',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n${twentySix((i) => `  - name: p${i}\n    type: string\n`)}${WAIT}`,
    [{ path: 'parameters', message: 'at most 25 parameters' }],
  ],
  [
    'parameter without a name',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - type: string\n${WAIT}`,
    [
      {
        path: 'parameters[0].name',
        message: 'must be 1-128 letters, digits, hyphens or underscores',
        line: 3,
      },
    ],
  ],
  [
    'parameter with a bad type',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: number\n${WAIT}`,
    [{ path: 'parameters[0].type', message: 'must be one of string, integer, boolean, stringList', line: 4 }],
  ],
  [
    'parameter declared twice',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: string\n  - name: n\n    type: string\n${WAIT}`,
    [{ path: 'parameters[1].name', message: '"n" is declared twice', line: 5 }],
  ],
  [
    'unknown parameter field',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: string\n    value: x\n${WAIT}`,
    [{ path: 'parameters[0].value', message: 'is not a parameter field', line: 5 }],
  ],
  [
    'string default that is a number',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: string\n    default: 5\n${WAIT}`,
    [{ path: 'parameters[0].default', message: 'must be a string for a string parameter', line: 5 }],
  ],
  [
    'integer default that is a string',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: integer\n    default: "5"\n${WAIT}`,
    [{ path: 'parameters[0].default', message: 'must be a whole number for an integer parameter' }],
  ],
  [
    'integer default with a fraction',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: integer\n    default: 2.5\n${WAIT}`,
    [{ path: 'parameters[0].default', message: 'must be a whole number' }],
  ],
  [
    'boolean default "yes"',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: boolean\n    default: yes\n${WAIT}`,
    [{ path: 'parameters[0].default', message: 'must be true or false for a boolean parameter' }],
  ],
  [
    'stringList default with a number',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: stringList\n    default: [a, 1]\n${WAIT}`,
    [{ path: 'parameters[0].default', message: 'must be a list of strings for a stringList parameter' }],
  ],
  [
    'long parameter description',
    'BUILD',
    `schemaVersion: 1.0\nparameters:\n  - name: n\n    type: string\n    description: ${'x'.repeat(1025)}\n${WAIT}`,
    [{ path: 'parameters[0].description', message: 'at most 1024 characters' }],
  ],
  [
    'bad parameter type is reported once, not at each use',
    'BUILD',
    withSteps(
      '  - name: Wait\n    action: WaitForAction\n    rollbackEnabled: "$.parameters.n"\n',
      'parameters:\n  - name: n\n    type: bool\n',
    ),
    [{ path: 'parameters[0].type', message: 'must be one of' }],
  ],
  [
    'outputs not a list',
    'BUILD',
    `schemaVersion: 1.0\n${WAIT}outputs: x\n`,
    [{ path: 'outputs', message: 'must be a list of at most 25 outputs', line: 5 }],
  ],
  [
    '26 outputs',
    'BUILD',
    `schemaVersion: 1.0\n${WAIT}outputs:\n${twentySix((i) => `  - name: o${i}\n    value: v\n`)}`,
    [{ path: 'outputs', message: 'at most 25 outputs' }],
  ],
  [
    'output without value',
    'BUILD',
    `schemaVersion: 1.0\n${WAIT}outputs:\n  - name: o\n`,
    [{ path: 'outputs[0].value', message: 'must be a string, usually a JSONPath', line: 6 }],
  ],
  [
    'output with a bad name',
    'BUILD',
    `schemaVersion: 1.0\n${WAIT}outputs:\n  - name: my output\n    value: v\n`,
    [{ path: 'outputs[0].name', message: 'must be 1-128 letters' }],
  ],
  [
    'output declared twice',
    'BUILD',
    `schemaVersion: 1.0\n${WAIT}outputs:\n  - name: o\n    value: a\n  - name: o\n    value: b\n`,
    [{ path: 'outputs[1].name', message: '"o" is declared twice' }],
  ],
  [
    'output reading a missing step',
    'BUILD',
    `schemaVersion: 1.0\n${WAIT}outputs:\n  - name: ImageId\n    value: "$.stepOutputs.CreateOutputAMI.imageId"\n`,
    [
      {
        path: 'outputs[0].value',
        message: 'refers to step "CreateOutputAMI", which does not exist',
        line: 7,
      },
    ],
  ],
  [
    'output reading an output the action lacks',
    'BUILD',
    `schemaVersion: 1.0\n${WAIT}outputs:\n  - name: ImageId\n    value: "$.stepOutputs.Wait.imageId"\n`,
    [{ path: 'outputs[0].value', message: 'but WaitForAction produces action, reason' }],
  ],
  [
    'several problems are all reported, in document order',
    'BUILD',
    `schemaVersion: 3\nsteps:\n${LAUNCH}  - name: Bad Name\n    action: Nope\noutputs:\n  - name: o\n`,
    [
      { path: 'schemaVersion', message: 'must be 1.0', line: 1 },
      { path: 'steps[1].name', message: 'must be 2-100 characters', line: 7 },
      { path: 'steps[1].action', message: 'step "Bad Name" has unknown action "Nope"', line: 8 },
      { path: 'outputs[0].value', message: 'must be a string', line: 10 },
    ],
  ],
];

describe('parseWorkflowDocument: rejected documents', () => {
  for (const [name, type, text, expected] of INVALID) {
    it(name, () => assertProblems(text, type, expected));
  }

  it(`rejects data longer than ${MAX_WORKFLOW_DATA} characters before parsing`, () => {
    const text = `schemaVersion: 1.0\n${WAIT}# ${'x'.repeat(MAX_WORKFLOW_DATA)}\n`;
    assertProblems(text, 'BUILD', [
      { path: '', message: `workflow data may have at most ${MAX_WORKFLOW_DATA}` },
    ]);
  });

  it('formats problems as LINE:COL: path: message', () => {
    const result = parseWorkflowDocument(`schemaVersion: 2\n${WAIT}`, 'BUILD');
    assert.ok(!result.ok);
    assert.equal(
      formatProblem(result.problems[0] ?? { path: '', message: '' }),
      '1:16: schemaVersion: must be 1.0',
    );
  });
});

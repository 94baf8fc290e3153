import { describe, it } from 'node:test';
import { assertProblem, assertValid, assertWarning, dedent, type ProblemCase, stepsDoc } from './testing.js';

const BASH = `
  - name: Hello
    action: ExecuteBash
    inputs:
      commands: [echo hi]
`;

const invalid: ProblemCase[] = [
  { name: 'YAML syntax error', text: 'schemaVersion: 1.0\nphases: [\n', path: '', message: 'YAML:' },
  { name: 'empty document', text: '', path: '', message: 'the document is empty' },
  { name: 'top level is a list', text: '- a\n- b\n', path: '', message: 'the document is a list' },
  {
    name: 'duplicate top-level key',
    text: 'schemaVersion: 1.0\nschemaVersion: 1.0\nphases: []\n',
    path: '',
    message: 'unique',
  },
  {
    name: 'schemaVersion missing',
    text: 'phases: []\n',
    path: 'schemaVersion',
    message: "needs 'schemaVersion: 1.0'",
  },
  {
    name: 'schemaVersion 1.1',
    text: stepsDoc(BASH).replace('1.0', '1.1'),
    path: 'schemaVersion',
    message: 'must be 1.0; got the number 1.1',
    line: 1,
  },
  {
    name: 'schemaVersion 2',
    text: stepsDoc(BASH).replace('1.0', '2'),
    path: 'schemaVersion',
    message: 'must be 1.0',
  },
  {
    name: "schemaVersion '1.1'",
    text: stepsDoc(BASH).replace('1.0', "'1.1'"),
    path: 'schemaVersion',
    message: "the string '1.1'",
  },
  { name: 'phases missing', text: 'schemaVersion: 1.0\n', path: 'phases', message: "needs 'phases'" },
  {
    name: 'phases is a map',
    text: 'schemaVersion: 1.0\nphases: {build: []}\n',
    path: 'phases',
    message: 'must be a list',
  },
  {
    name: 'no build/validate/test phase',
    text: stepsDoc(BASH).replace('name: build', 'name: cleanup'),
    path: 'phases',
    message: 'at least one phase named build, validate or test',
  },
  {
    name: 'duplicate phase name',
    text: `${stepsDoc(BASH)}  - name: build\n    steps: []\n`,
    path: 'phases[1].name',
    message: "phase name 'build' is already used by phases[0]",
  },
  {
    name: 'phase without name',
    text: 'schemaVersion: 1.0\nphases:\n  - steps: []\n',
    path: 'phases[0]',
    message: "the phase needs a 'name'",
  },
  {
    name: 'phase without steps',
    text: 'schemaVersion: 1.0\nphases:\n  - name: build\n',
    path: 'phases[0]',
    message: "needs 'steps'",
  },
  {
    name: 'step is a string',
    text: stepsDoc('- Hello'),
    path: 'phases[0].steps[0]',
    message: 'each step must be a map',
  },
  {
    name: 'step without name',
    text: stepsDoc('- action: Reboot'),
    path: 'phases[0].steps[0]',
    message: "the step needs a 'name'",
  },
  {
    name: 'step without action',
    text: stepsDoc('- name: A'),
    path: 'phases[0].steps[0]',
    message: "needs an 'action'",
  },
  {
    name: 'unknown action',
    text: stepsDoc('- name: A\n  action: RunScript\n  inputs: {}'),
    path: 'phases[0].steps[0].action',
    message: "unknown action 'RunScript'",
  },
  {
    name: 'action in the wrong case',
    text: stepsDoc('- name: A\n  action: executeBash\n  inputs: {commands: [x]}'),
    path: 'phases[0].steps[0].action',
    message: "did you mean 'ExecuteBash'",
  },
  {
    name: 'duplicate step name',
    text: stepsDoc(`${BASH}\n${BASH}`),
    path: 'phases[0].steps[1].name',
    message: "step name 'Hello' is already used by phases[0].steps[0]",
  },
  ...[
    ['0', 'at least 1, or -1'],
    ['-2', 'at least 1, or -1'],
    ['1.5', 'whole number'],
    ["'60'", "the string '60'"],
  ].map(([v, m]) => ({
    name: `timeoutSeconds ${v}`,
    text: stepsDoc(`- name: A\n  action: ExecuteBash\n  timeoutSeconds: ${v}\n  inputs: {commands: [x]}`),
    path: 'phases[0].steps[0].timeoutSeconds',
    message: m as string,
  })),
  ...['0', '-1', '2.5'].map((v) => ({
    name: `maxAttempts ${v}`,
    text: stepsDoc(`- name: A\n  action: ExecuteBash\n  maxAttempts: ${v}\n  inputs: {commands: [x]}`),
    path: 'phases[0].steps[0].maxAttempts',
    message: 'at least 1',
  })),
  {
    name: 'onFailure in the wrong case',
    text: stepsDoc('- name: A\n  action: ExecuteBash\n  onFailure: abort\n  inputs: {commands: [x]}'),
    path: 'phases[0].steps[0].onFailure',
    message: "must be Abort, Continue or Ignore; got the string 'abort' (did you mean 'Abort'?)",
  },
  {
    name: 'ExecuteDocument timeoutSeconds',
    text: stepsDoc(
      '- name: A\n  action: ExecuteDocument\n  timeoutSeconds: 60\n  inputs: {document: x.yaml}',
    ),
    path: 'phases[0].steps[0].timeoutSeconds',
    message: 'ExecuteDocument always runs with timeoutSeconds -1',
  },
  {
    name: 'ExecuteDocument maxAttempts',
    text: stepsDoc('- name: A\n  action: ExecuteDocument\n  maxAttempts: 3\n  inputs: {document: x.yaml}'),
    path: 'phases[0].steps[0].maxAttempts',
    message: 'ExecuteDocument always runs with maxAttempts 1',
  },
  {
    name: 'Reboot timeoutSeconds',
    text: stepsDoc('- name: A\n  action: Reboot\n  timeoutSeconds: 60'),
    path: 'phases[0].steps[0].timeoutSeconds',
    message: 'Reboot does not support timeoutSeconds',
  },
];

describe('document structure', () => {
  for (const c of invalid) it(c.name, () => assertProblem(c));

  it('reports every problem at once', () => {
    const text = stepsDoc(
      '- name: A\n  action: Nope\n- name: A\n  action: ExecuteBash\n  maxAttempts: 0\n  inputs: {}',
    ).replace('1.0', '3');
    for (const [path, message] of [
      ['schemaVersion', 'must be 1.0'],
      ['phases[0].steps[0].action', 'unknown action'],
      ['phases[0].steps[1].maxAttempts', 'at least 1'],
      ['phases[0].steps[1].inputs', "needs input 'commands'"],
    ] as const) {
      assertProblem({ name: path, text, path, message });
    }
  });

  for (const [name, version] of [
    ['float 1.0', '1.0'],
    ['int 1', '1'],
    ["string '1.0'", "'1.0'"],
    ['string "1.0"', '"1.0"'],
  ] as const) {
    it(`accepts schemaVersion ${name}`, () => {
      assertValid(name, stepsDoc(BASH).replace('1.0', version));
    });
  }

  it('accepts -1 (no limit) and other phase names', () => {
    const text = `${stepsDoc('- name: A\n  action: ExecuteBash\n  timeoutSeconds: -1\n  inputs: {commands: [x]}')}  - name: container-host-test\n    steps: []\n`;
    assertValid('timeout -1', text);
  });

  it('accepts a JSON document', () => {
    const json = JSON.stringify({
      name: 'json',
      schemaVersion: '1.0',
      phases: [
        {
          name: 'build',
          steps: [{ name: 'Hello', action: 'ExecuteBash', inputs: { commands: ['echo hi'] } }],
        },
      ],
    });
    assertValid('json', json);
  });

  const warnings: ProblemCase[] = [
    {
      name: 'unknown top-level key',
      text: stepsDoc(BASH, 'version: 1.0.0'),
      path: 'version',
      message: "unknown top-level key 'version'",
    },
    {
      name: 'unknown step key',
      text: stepsDoc('- name: A\n  action: ExecuteBash\n  retries: 3\n  inputs: {commands: [x]}'),
      path: 'phases[0].steps[0].retries',
      message: "unknown step key 'retries' is ignored",
    },
    {
      name: 'empty steps list',
      text: dedent(`
        schemaVersion: 1.0
        phases:
          - name: build
            steps: []
      `),
      path: 'phases[0].steps',
      message: 'the phase has no steps',
    },
  ];
  for (const c of warnings) it(`warns: ${c.name}`, () => assertWarning(c));
});

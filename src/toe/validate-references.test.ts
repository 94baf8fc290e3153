import { describe, it } from 'node:test';
import { assertProblem, assertValid, assertWarning, dedent, type ProblemCase, stepsDoc } from './testing.js';

const PARAMS = `
  parameters:
    - Version:
        type: string
        default: '1.2'
  constants:
    - Bucket:
        type: string
        value: my-bucket
`;

/** Steps: Download (S3Download list), Run (ExecuteBash), then `body` as step 2. */
function chained(body: string, head = PARAMS): string {
  return stepsDoc(
    `
    - name: Pre-Req.Download
      action: ExecuteBash
      inputs:
        commands: [echo]
    - name: Down-load
      action: S3Download
      inputs:
        - source: s3://{{ Bucket }}/{{ Version }}/file
          destination: /tmp/file
    - name: Run
      action: ExecuteBash
      inputs:
        commands: [echo hi]
    ${dedent(body).split('\n').join('\n    ')}
    `,
    head,
  );
}

function bash(command: string, extra = ''): string {
  return `- name: Use\n  action: ExecuteBash\n${extra ? `  ${extra}\n` : ''}  inputs:\n    commands:\n      - ${command}`;
}

const U = 'phases[0].steps[3].inputs.commands[0]';

const variables: ProblemCase[] = [
  {
    name: 'parameters not a list',
    text: stepsDoc('[]', 'parameters: {A: 1}'),
    path: 'parameters',
    message: 'must be a list',
  },
  {
    name: "the '- name: X / type: string' shape (905)",
    text: stepsDoc('[]', 'parameters:\n  - name: AwsCliVersion\n    type: string\n    default: latest'),
    path: 'parameters[0]',
    message:
      "exactly one key, the name; got a map with keys name, type, default (the '- name: X / type: string' form",
  },
  {
    name: 'name too short',
    text: stepsDoc('[]', 'parameters:\n  - ab:\n      type: string'),
    path: 'parameters[0]',
    message: "name 'ab' must be 3 to 128",
  },
  {
    name: 'name with a dot',
    text: stepsDoc('[]', 'constants:\n  - my.const:\n      type: string\n      value: x'),
    path: 'constants[0]',
    message: "name 'my.const'",
  },
  {
    name: 'name too long',
    text: stepsDoc('[]', `parameters:\n  - ${'a'.repeat(129)}:\n      type: string`),
    path: 'parameters[0]',
    message: 'must be 3 to 128',
  },
  {
    name: 'type missing',
    text: stepsDoc('[]', 'parameters:\n  - Abc:\n      default: x'),
    path: 'parameters[0].Abc',
    message: "needs 'type: string'",
  },
  {
    name: 'type stringList',
    text: stepsDoc('[]', 'parameters:\n  - Abc:\n      type: stringList'),
    path: 'parameters[0].Abc.type',
    message: "unsupported type 'stringList'",
  },
  {
    name: 'definition not a map',
    text: stepsDoc('[]', 'parameters:\n  - Abc: string'),
    path: 'parameters[0].Abc',
    message: "must be a map with 'type: string'",
  },
  {
    name: 'constant without value',
    text: stepsDoc('[]', 'constants:\n  - Abc:\n      type: string'),
    path: 'constants[0].Abc',
    message: "constant 'Abc' needs a 'value'",
  },
  {
    name: 'same name as parameter and constant',
    text: stepsDoc(
      '[]',
      'parameters:\n  - Abc:\n      type: string\nconstants:\n  - Abc:\n      type: string\n      value: x',
    ),
    path: 'constants[0]',
    message: "name 'Abc' is already used by parameters[0]",
  },
  {
    name: 'default outside allowedValues',
    text: stepsDoc(
      '[]',
      "parameters:\n  - Level:\n      type: string\n      default: Max\n      allowedValues: ['High', 'Low']",
    ),
    path: 'parameters[0].Level.default',
    message: "'Max' is not one of allowedValues (High, Low)",
  },
];

const references: ProblemCase[] = [
  {
    name: 'unknown variable',
    text: chained(bash("echo '{{ Versoin }}'")),
    path: U,
    message: '{{ Versoin }} is not a parameter or constant of this document (defined: Version, Bucket)',
  },
  {
    name: 'variable in the wrong case',
    text: chained(bash("echo '{{ version }}'")),
    path: U,
    message: "did you mean 'Version'",
  },
  {
    name: 'chaining to a later step',
    text: chained(
      `${bash("echo '{{ build.Later.outputs.stdout }}'")}\n- name: Later\n  action: ExecuteBash\n  inputs: {commands: [x]}`,
    ),
    path: U,
    message: "refers to step 'Later', which runs after this step",
  },
  {
    name: 'chaining to itself',
    text: chained(bash("echo '{{ build.Use.outputs.stdout }}'")),
    path: U,
    message: 'which is this step itself',
  },
  {
    name: 'chaining to a missing step',
    text: chained(bash("echo '{{ build.Nope.outputs.stdout }}'")),
    path: U,
    message: "refers to step 'Nope', which phase 'build' does not have",
  },
  {
    name: 'chaining to a missing phase',
    text: chained(bash("echo '{{ validate.Run.outputs.stdout }}'")),
    path: U,
    message: "refers to phase 'validate', which this document does not have",
  },
  {
    name: 'chaining to a later phase',
    text: `${chained(bash("echo '{{ test.T.outputs.stdout }}'"))}  - name: test\n    steps:\n      - name: T\n        action: ExecuteBash\n        inputs: {commands: [x]}\n`,
    path: U,
    message: "refers to phase 'test', which runs after this one",
  },
  {
    name: 'output the module lacks',
    text: chained(bash("echo '{{ build.Down-load.outputs.stdout }}'")),
    path: U,
    message: "step 'Down-load' (S3Download) has no output 'stdout'; it has no outputs",
  },
  {
    name: 'unknown output',
    text: chained(bash("echo '{{ build.Run.outputs.stderr }}'")),
    path: U,
    message: "has no output 'stderr'; its outputs: stdout",
  },
  {
    name: 'list inputs without index',
    text: chained(bash("echo '{{ build.Down-load.inputs.destination }}'")),
    path: U,
    message: 'takes a list of inputs; write inputs[N].destination',
  },
  {
    name: 'input index out of range',
    text: chained(bash("echo '{{ build.Down-load.inputs[1].destination }}'")),
    path: U,
    message: 'has 1 input item(s); inputs[1] does not exist',
  },
  {
    name: 'input key not given',
    text: chained(bash("echo '{{ build.Down-load.inputs[0].overwrite }}'")),
    path: U,
    message: "inputs[0] has no 'overwrite'",
  },
  {
    name: 'map inputs with an index',
    text: chained(bash("echo '{{ build.Run.inputs[2].commands }}'")),
    path: U,
    message: 'takes a map of inputs; write inputs.commands',
  },
  {
    name: 'phase name used as a loop',
    text: chained(bash("echo '{{ build.value }}'")),
    path: U,
    message: 'looks like chaining but lacks the step',
  },
  {
    name: 'reference in forEach items',
    text: chained(bash('echo {{ loop.value }}', "loop:\n    forEach: ['{{ Nope }}']")),
    path: 'phases[0].steps[3].loop.forEach[0]',
    message: '{{ Nope }} is not a parameter or constant',
  },
  {
    name: 'reference in a delimited list',
    text: chained(
      bash('echo {{ loop.value }}', "loop:\n    forEach: {list: '{{ build.Nope.outputs.stdout }}'}"),
    ),
    path: 'phases[0].steps[3].loop.forEach.list',
    message: "refers to step 'Nope'",
  },
  {
    name: 'reference in an if value',
    text: chained(bash('echo', "if: {stringEquals: x, value: '{{ Missing }}'}")),
    path: 'phases[0].steps[3].if.value',
    message: '{{ Missing }} is not a parameter or constant',
  },
];

describe('parameters and constants', () => {
  for (const c of variables) it(c.name, () => assertProblem(c));
  it('warns about unknown keys in a definition', () => {
    assertWarning({
      name: 'k',
      text: stepsDoc('[]', 'parameters:\n  - Abc:\n      type: string\n      secret: true'),
      path: 'parameters[0].Abc.secret',
      message: "unknown key 'secret'",
    });
  });
});

describe('references', () => {
  for (const c of references) it(c.name, () => assertProblem(c));

  it('accepts parameters, constants and chaining mid-string, hyphens and dots in step names', () => {
    assertValid(
      'ok',
      chained(
        dedent(`
          - name: Use
            action: ExecuteBash
            inputs:
              commands:
                - exit {{ build.Run.outputs.stdout }}
                - cp {{build.Down-load.inputs[0].destination}} /x/{{Version}}
                - echo "$HOME $${'{'}WORKING_DIRECTORY} {{ .State.Running }} {{ imagebuilder:buildDate }}"
          - name: Use2
            action: ExecuteBinary
            inputs:
              path: s3://{{ Bucket }}/{{ build.Use.inputs.commands }}
        `),
      ),
    );
  });

  it('leaves loop variables outside a loop verbatim (a warning)', () => {
    assertWarning({
      name: 'loop',
      text: chained(bash('echo {{ loop.value }}')),
      path: U,
      message: 'used in a step without a loop; it is left as written',
    });
  });

  it("warns about another step's loop variables", () => {
    const text = chained(
      `${bash('echo {{ L.index }}', 'loop:\n    name: L\n    forEach: [a]')}\n- name: Other\n  action: ExecuteBash\n  inputs: {commands: ['{{ L.value }}']}`,
    );
    assertWarning({
      name: 'other loop',
      text,
      path: 'phases[0].steps[4].inputs.commands[0]',
      message: "loop 'L' belongs to phases[0].steps[3]",
    });
  });

  it('warns when the test phase chains into build', () => {
    const text = `${chained(bash('echo'))}  - name: test\n    steps:\n      - name: T\n        action: ExecuteBash\n        inputs: {commands: ['{{ build.Run.outputs.stdout }}']}\n`;
    assertWarning({
      name: 'test',
      text,
      path: 'phases[1].steps[0].inputs.commands[0]',
      message: 'runs the test phase on a new instance',
    });
  });
});

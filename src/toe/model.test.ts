import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { componentParameters } from './parameters.js';
import { formatProblem } from './problems.js';
import { parentPath } from './source-map.js';
import { assertValid, dedent } from './testing.js';

const DOC = dedent(`
  name: Example
  description: An example
  schemaVersion: 1.0
  parameters:
    - Level:
        type: string
        default: High
        description: The level.
        allowedValues: [High, Low]
    - Token:
        type: string
  constants:
    - Port:
        type: string
        value: 8080
  phases:
    - name: build
      steps:
        - name: Hello
          action: ExecuteBash
          inputs:
            commands:
              - echo {{ Level }}
        - name: Retry
          action: ExecuteBinary
          timeoutSeconds: 60
          onFailure: Ignore
          maxAttempts: 3
          inputs:
            path: /bin/true
`);

describe('the parsed document', () => {
  const result = assertValid('doc', DOC);
  assert.ok(result.ok);
  const doc = result.document;

  it('fills in step defaults', () => {
    const [hello, retry] = doc.phases[0]?.steps ?? [];
    assert.deepEqual(
      { t: hello?.timeoutSeconds, f: hello?.onFailure, m: hello?.maxAttempts, path: hello?.path },
      { t: 7200, f: 'Abort', m: 1, path: 'phases[0].steps[0]' },
    );
    assert.deepEqual(
      { t: retry?.timeoutSeconds, f: retry?.onFailure, m: retry?.maxAttempts },
      { t: 60, f: 'Ignore', m: 3 },
    );
    assert.deepEqual(hello?.inputs, { commands: ['echo {{ Level }}'] });
  });

  it('keeps parameters and constants as text', () => {
    assert.deepEqual(doc.parameters[0], {
      name: 'Level',
      type: 'string',
      default: 'High',
      description: 'The level.',
      allowedValues: ['High', 'Low'],
    });
    assert.deepEqual(doc.constants, [{ name: 'Port', type: 'string', value: '8080' }]);
    assert.equal(doc.schemaVersion, '1.0');
    assert.equal(doc.name, 'Example');
  });

  it('is deeply frozen', () => {
    assert.ok(Object.isFrozen(doc));
    assert.ok(Object.isFrozen(doc.phases[0]?.steps[0]?.inputs));
    assert.ok(Object.isFrozen((doc.phases[0]?.steps[0]?.inputs as { commands: string[] }).commands));
    assert.ok(Object.isFrozen(doc.parameters[0]?.allowedValues));
  });

  it('maps paths to line and column, falling back to the nearest ancestor', () => {
    assert.deepEqual(doc.sourceMap.position('phases[0].steps[0].inputs.commands'), { line: 23, column: 13 });
    assert.deepEqual(doc.sourceMap.position('phases[0].steps[0].inputs.commands[0]'), {
      line: 23,
      column: 15,
    });
    assert.deepEqual(doc.sourceMap.position('phases[0].steps[1].maxAttempts'), { line: 28, column: 22 });
    assert.deepEqual(doc.sourceMap.position('phases[0].steps[1].inputs.arguments[3]'), {
      line: 30,
      column: 11,
    });
    assert.equal(doc.sourceMap.exact('phases[0].steps[1].inputs.arguments'), undefined);
  });

  it('lists parameters as ComponentParameterDetail', () => {
    assert.deepEqual(componentParameters(doc), [
      { name: 'Level', type: 'string', defaultValue: ['High'], description: 'The level.' },
      { name: 'Token', type: 'string' },
    ]);
  });
});

describe('formatProblem and paths', () => {
  const cases: [Parameters<typeof formatProblem>, string][] = [
    [
      [{ path: 'phases[0].steps[2].inputs.commands', line: 7, column: 9, message: 'bad' }, 'c.yaml'],
      'c.yaml:7:9: phases[0].steps[2].inputs.commands: bad',
    ],
    [[{ path: 'phases', message: 'bad' }, 'c.yaml'], 'c.yaml: phases: bad'],
    [[{ path: '', line: 1, column: 1, message: 'YAML: x' }, 'c.yaml'], 'c.yaml:1:1: YAML: x'],
    [[{ path: 'a', line: 2, column: 3, message: 'm' }], '2:3: a: m'],
  ];
  for (const [args, want] of cases) it(want, () => assert.equal(formatProblem(...args), want));

  for (const [path, parent] of [
    ['phases[0].steps[2].inputs', 'phases[0].steps[2]'],
    ['phases[0].steps[2]', 'phases[0].steps'],
    ['phases[0]', 'phases'],
    ['phases', ''],
  ]) {
    it(`parent of ${path}`, () => assert.equal(parentPath(path as string), parent));
  }
});

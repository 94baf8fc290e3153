import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findReferences, parseReference, replaceReferences } from './references.js';

/** `${...}` is shell or Terraform syntax that AWSTOE never substitutes. */
const dollar = (name: string): string => `$${'{'}${name}}`;

describe('findReferences', () => {
  it('finds trimmed names with their offsets', () => {
    const text = `exit {{ build.Fail.outputs.stdout }} && echo {{X}}{{  Y  }} ${dollar('NOT')} $HOME`;
    assert.deepEqual(
      findReferences(text).map((r) => [r.name, text.slice(r.start, r.end)]),
      [
        ['build.Fail.outputs.stdout', '{{ build.Fail.outputs.stdout }}'],
        ['X', '{{X}}'],
        ['Y', '{{  Y  }}'],
      ],
    );
  });
  it('spans lines inside a block scalar and ignores unclosed braces', () => {
    assert.deepEqual(
      findReferences('a {{\n  Name\n}} b {{ open').map((r) => r.name),
      ['Name'],
    );
    assert.deepEqual(findReferences(`${dollar('A')} {x} { {B} }`), []);
  });
});

describe('parseReference', () => {
  const cases: [string, ReturnType<typeof parseReference>][] = [
    ['Version', { kind: 'variable', name: 'Version' }],
    ['my-param_2', { kind: 'variable', name: 'my-param_2' }],
    ['loop.value', { kind: 'loop', loop: 'loop', field: 'value' }],
    ['myLoop.index', { kind: 'loop', loop: 'myLoop', field: 'index' }],
    ['build.Step.outputs.stdout', { kind: 'output', phase: 'build', step: 'Step', key: 'stdout' }],
    [
      'build.StandardPre-ReqS3Download.inputs[0].destination',
      { kind: 'input', phase: 'build', step: 'StandardPre-ReqS3Download', index: 0, key: 'destination' },
    ],
    ['validate.Run.inputs.commands', { kind: 'input', phase: 'validate', step: 'Run', key: 'commands' }],
    ['.State.Running', { kind: 'other' }],
    ['imagebuilder:buildDate', { kind: 'other' }],
    ['json .Config', { kind: 'other' }],
    ['', { kind: 'other' }],
  ];
  for (const [name, want] of cases) it(name || '(empty)', () => assert.deepEqual(parseReference(name), want));
});

describe('replaceReferences', () => {
  it('substitutes what resolves and leaves the rest verbatim', () => {
    const values: Record<string, string> = { A: '1', 'build.S.outputs.stdout': 'out' };
    assert.equal(
      replaceReferences(
        `x{{ A }}y {{build.S.outputs.stdout}} {{ loop.value }} ${dollar('B')}`,
        (n) => values[n],
      ),
      `x1y out {{ loop.value }} ${dollar('B')}`,
    );
    assert.equal(
      replaceReferences('plain', () => 'z'),
      'plain',
    );
  });
});

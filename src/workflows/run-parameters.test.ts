import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import type { WorkflowParameterDeclaration } from './document.js';
import { resolveWorkflowParameters, type WorkflowParameterValue } from './run-parameters.js';

const DECLARED: WorkflowParameterDeclaration[] = [
  { name: 'label', type: 'string', default: 'nightly' },
  { name: 'count', type: 'integer', default: 1 },
  { name: 'wait', type: 'boolean', default: true },
  { name: 'regions', type: 'stringList', default: ['eu-1'] },
];

describe('resolveWorkflowParameters', () => {
  const ok: [string, WorkflowParameterValue[], Record<string, unknown>][] = [
    ['defaults when nothing is given', [], { label: 'nightly', count: 1, wait: true, regions: ['eu-1'] }],
    [
      'each type converted from its strings',
      [
        { name: 'label', value: ['weekly'] },
        { name: 'count', value: ['-12'] },
        { name: 'wait', value: ['FALSE'] },
        { name: 'regions', value: ['a', 'b'] },
      ],
      { label: 'weekly', count: -12, wait: false, regions: ['a', 'b'] },
    ],
    [
      'an empty string list',
      [{ name: 'regions', value: [] }],
      { label: 'nightly', count: 1, wait: true, regions: [] },
    ],
    [
      'an empty string',
      [{ name: 'label', value: [''] }],
      { label: '', count: 1, wait: true, regions: ['eu-1'] },
    ],
  ];
  for (const [name, given, expected] of ok) {
    it(name, () => assert.deepEqual(resolveWorkflowParameters(DECLARED, given), expected));
  }

  const bad: [string, WorkflowParameterDeclaration[], WorkflowParameterValue[], string[]][] = [
    [
      'a missing parameter without default',
      [{ name: 'size', type: 'integer' }],
      [],
      ['"size" (integer) has no default, so it must be given'],
    ],
    [
      'an unknown parameter',
      DECLARED,
      [{ name: 'colour', value: ['red'] }],
      ['"colour" is not a parameter of this workflow (it has label, count, wait, regions)'],
    ],
    [
      'a parameter given twice',
      DECLARED,
      [
        { name: 'count', value: ['1'] },
        { name: 'count', value: ['2'] },
      ],
      ['"count" is given twice'],
    ],
    [
      'a non-integer',
      DECLARED,
      [{ name: 'count', value: ['1.5'] }],
      ['"count" is an integer; "1.5" is not a whole number'],
    ],
    [
      'an integer too large to be exact',
      DECLARED,
      [{ name: 'count', value: ['9007199254740993'] }],
      ['is not a whole number'],
    ],
    [
      'a non-boolean',
      DECLARED,
      [{ name: 'wait', value: ['yes'] }],
      ['"wait" is a boolean; "yes" is not true or false'],
    ],
    [
      'two values for a string',
      DECLARED,
      [{ name: 'label', value: ['a', 'b'] }],
      ['"label" is a string, so it takes exactly one value; got 2'],
    ],
    [
      'every problem at once',
      [
        { name: 'size', type: 'integer' },
        { name: 'on', type: 'boolean' },
      ],
      [{ name: 'on', value: ['1'] }],
      ['"on" is a boolean; "1" is not true or false', '"size" (integer) has no default'],
    ],
  ];
  for (const [name, declared, given, messages] of bad) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => resolveWorkflowParameters(declared, given),
        (err: unknown) =>
          err instanceof KilnError &&
          err.code === 'InvalidParameterValueException' &&
          messages.every((m) => err.message.includes(m)),
      );
    });
  }

  it('keeps a parameter named __proto__ as data', () => {
    const out = resolveWorkflowParameters(
      [{ name: '__proto__', type: 'string' }],
      [{ name: '__proto__', value: ['x'] }],
    );
    assert.deepEqual(Object.entries(out), [['__proto__', 'x']]);
  });
});

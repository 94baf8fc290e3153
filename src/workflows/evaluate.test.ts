import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowCondition } from './conditions.js';
import { evaluateCondition, resolveRollbackEnabled } from './evaluate.js';
import { type PathScope, ResolveError } from './jsonpath.js';

const SCOPE: PathScope = {
  parameters: { count: 3, undo: false, name: 'web' },
  stepOutputs: { Scan: { findings: 0 } },
  workflowOutputs: {},
  imagebuilder: { imageType: 'AMI', platform: 'Linux', collectImageMetadata: true },
};

const cmp = (
  comparator: Extract<WorkflowCondition, { kind: 'compare' }>['comparator'],
  expected: boolean | number | string,
  value: boolean | number | string,
): WorkflowCondition => ({ kind: 'compare', comparator, expected, value });

describe('evaluateCondition', () => {
  const rows: [string, WorkflowCondition, boolean][] = [
    ['stringEquals on a system variable', cmp('stringEquals', 'AMI', '$.imagebuilder.imageType'), true],
    ['stringEquals that differs', cmp('stringEquals', 'Docker', '$.imagebuilder.imageType'), false],
    ['booleanEquals', cmp('booleanEquals', true, '$.imagebuilder.collectImageMetadata'), true],
    ['booleanEquals false', cmp('booleanEquals', true, '$.parameters.undo'), false],
    ['numberEquals', cmp('numberEquals', 3, '$.parameters.count'), true],
    ['numberGreaterThan', cmp('numberGreaterThan', 2, '$.parameters.count'), true],
    ['numberGreaterThan equal', cmp('numberGreaterThan', 3, '$.parameters.count'), false],
    ['numberGreaterThanEquals', cmp('numberGreaterThanEquals', 3, '$.parameters.count'), true],
    ['numberLessThan', cmp('numberLessThan', 3, '$.parameters.count'), false],
    ['numberLessThanEquals', cmp('numberLessThanEquals', 3, '$.parameters.count'), true],
    ['a step output', cmp('numberEquals', 0, '$.stepOutputs.Scan.findings'), true],
    ['a literal value', cmp('stringEquals', 'x', 'x'), true],
    [
      'and of true and false',
      {
        kind: 'and',
        conditions: [
          cmp('stringEquals', 'AMI', '$.imagebuilder.imageType'),
          cmp('booleanEquals', true, '$.parameters.undo'),
        ],
      },
      false,
    ],
    [
      'or of false and true',
      {
        kind: 'or',
        conditions: [
          cmp('stringEquals', 'Windows', '$.imagebuilder.platform'),
          cmp('stringEquals', 'Linux', '$.imagebuilder.platform'),
        ],
      },
      true,
    ],
    ['not', { kind: 'not', condition: cmp('stringEquals', 'Windows', '$.imagebuilder.platform') }, true],
  ];
  for (const [name, condition, expected] of rows) {
    it(`${name} → ${expected}`, () => assert.equal(evaluateCondition(condition, SCOPE), expected));
  }

  const errors: [string, WorkflowCondition, string][] = [
    [
      'a path with no value',
      cmp('stringEquals', 'AMI', '$.imagebuilder.imageName'),
      'if: "$.imagebuilder.imageName" has no value: Kiln did not set "imageName"',
    ],
    [
      'a string compared as a number',
      cmp('numberEquals', 1, '$.parameters.name'),
      'if: "$.parameters.name" is the string "web"; numberEquals compares a number',
    ],
    [
      'a number compared as a boolean',
      cmp('booleanEquals', true, '$.parameters.count'),
      'if: "$.parameters.count" is number 3; booleanEquals compares a boolean',
    ],
  ];
  for (const [name, condition, message] of errors) {
    it(`fails on ${name}`, () => {
      assert.throws(
        () => evaluateCondition(condition, SCOPE),
        (err: unknown) => err instanceof ResolveError && err.message === message,
      );
    });
  }
});

describe('resolveRollbackEnabled', () => {
  const rows: [boolean | string, boolean | string][] = [
    [true, true],
    [false, false],
    ['$.parameters.undo', false],
    ['$.imagebuilder.collectImageMetadata', true],
    ['$.parameters.name', 'rollbackEnabled: "$.parameters.name" is the string "web", not true or false'],
    ['$.parameters.missing', 'rollbackEnabled: "$.parameters.missing" has no value'],
  ];
  for (const [value, expected] of rows) {
    it(`${value} → ${expected}`, () => {
      if (typeof expected === 'boolean') {
        assert.equal(resolveRollbackEnabled(value, SCOPE), expected);
      } else {
        assert.throws(
          () => resolveRollbackEnabled(value, SCOPE),
          (err: unknown) => err instanceof ResolveError && err.message.startsWith(expected),
        );
      }
    });
  }
});

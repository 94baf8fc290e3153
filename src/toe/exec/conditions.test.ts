import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ComparisonOperator, Condition } from '../model.js';
import { compare, evaluateCondition, type FileProbe, ifDecision } from './conditions.js';
import { updateOsScript } from './mod-system.js';

test('compare: value OP baseline; strings case-insensitive, untrimmed; failed number conversion is false', () => {
  const cases: [ComparisonOperator, string, string, boolean][] = [
    ['stringIsEmpty', '', '', true],
    ['stringIsEmpty', ' ', '', false],
    ['stringIsWhitespace', ' \t', '', true],
    ['stringIsWhitespace', '', '', false],
    // The docs call string comparisons case-insensitive and stringEquals an "exact match"; Kiln
    // reads "exact" as "whole string, no trimming" and ignores case (the 13-if fixture pins both).
    ['stringEquals', 'Debian', 'debian', true],
    ['stringEquals', 'Debian', 'debian ', false],
    ['stringLessThan', 'b', 'A', true],
    ['stringLessThan', 'a', 'A', false],
    ['stringLessThanEquals', 'a', 'A', true],
    ['stringGreaterThan', 'a', 'B', true],
    ['stringGreaterThanEquals', 'b', 'B', true],
    ['patternMatches', '^2\\.\\d+', '2.10.1', true],
    ['patternMatches', 'DEB', 'debian', false],
    ['patternMatches', '(?i)DEB', 'debian', true],
    ['patternMatches', '([', 'x', false],
    ['numberEquals', '1', '1.0', true],
    ['numberEquals', '10', 'a10', false],
    ['numberEquals', '1', ' 1', false],
    ['numberLessThan', '10', '9.99', true],
    ['numberLessThan', '10', '10', false],
    ['numberLessThanEquals', '10', '1e1', true],
    ['numberGreaterThan', '-1', '0', true],
    ['numberGreaterThanEquals', '3', '', false],
  ];
  for (const [op, baseline, value, want] of cases)
    assert.equal(compare(op, baseline, value), want, `${op}(${baseline}, ${value})`);
});

const probe: FileProbe = {
  fileExists: async (p) => p === '/f',
  folderExists: async (p) => p === '/d',
  binaryExists: async (n) => n === 'bash',
  fileHash: async (_a, p) => (p === '/f' ? 'abc' : undefined),
};
const cmp = (operator: ComparisonOperator, operand: string, value?: string): Condition => ({
  kind: 'comparison',
  path: 'x',
  operator,
  operand,
  ...(value !== undefined ? { value } : {}),
});

test('evaluateCondition: logical operators short-circuit; file operators ask the probe', async () => {
  const calls: string[] = [];
  const counting: FileProbe = {
    ...probe,
    fileExists: async (p) => {
      calls.push(p);
      return p === '/f';
    },
  };
  const id = (s: string) => s;
  const and: Condition = {
    kind: 'and',
    path: 'x',
    operands: [cmp('fileExists', '/nope'), cmp('fileExists', '/f')],
  };
  assert.equal(await evaluateCondition(and, id, counting), false);
  assert.deepEqual(calls, ['/nope']);
  const or: Condition = {
    kind: 'or',
    path: 'x',
    operands: [cmp('fileExists', '/f'), cmp('fileExists', '/g')],
  };
  assert.equal(await evaluateCondition(or, id, counting), true);
  assert.deepEqual(calls, ['/nope', '/f']);
  assert.equal(
    await evaluateCondition({ kind: 'not', path: 'x', operand: cmp('folderExists', '/d') }, id, probe),
    false,
  );
  assert.equal(await evaluateCondition(cmp('fileSHA256Equals', ' ABC ', '/f'), id, probe), true);
  assert.equal(await evaluateCondition(cmp('fileMD5Equals', 'abc', '/missing'), id, probe), false);
  assert.equal(
    await evaluateCondition(cmp('binaryExists', '{{ B }}'), (s) => s.replace('{{ B }}', 'bash'), probe),
    true,
  );
});

test('ifDecision: true → then (default Execute), false → else (default Skip)', () => {
  const c = cmp('fileExists', '/f');
  assert.equal(ifDecision(c, true), 'Execute');
  assert.equal(ifDecision(c, false), 'Skip');
  // biome-ignore lint/suspicious/noThenProperty: `then` is the AWSTOE keyword, not a thenable.
  const abortOrRun: Condition = { ...c, then: 'Abort', else: 'Execute' };
  assert.equal(ifDecision(abortOrRun, true), 'Abort');
  assert.equal(ifDecision(abortOrRun, false), 'Execute');
});

test('updateOsScript: include minus exclude with apt and yum', () => {
  assert.match(updateOsScript('apt-get', ['a', 'b'], ['b']), /install --only-upgrade -- 'a'$/);
  assert.match(updateOsScript('apt-get', ['a'], ['a']), /nothing to update/);
  const excl = updateOsScript('apt-get', [], ['c']);
  assert.match(excl, /apt-mark hold/);
  assert.match(excl, /upgrade$/);
  assert.doesNotMatch(updateOsScript('apt-get', [], []), /apt-mark/);
  assert.equal(updateOsScript('yum', ['a', 'b'], ['b']), "yum -y update --exclude='b' 'a'");
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPARISON_OPERATORS, FILE_OPERATORS } from './model.js';
import { assertProblem, assertValid, assertWarning, type ProblemCase, stepsDoc } from './testing.js';

/** One ExecuteBash step with `extra` (loop/if YAML) at step level. */
function withStep(extra: string, action = 'ExecuteBash', inputs = '{commands: [echo]}'): string {
  const indented = extra.split('\n').join('\n  ');
  return stepsDoc(`- name: A\n  action: ${action}\n  ${indented}\n  inputs: ${inputs}`);
}

const L = 'phases[0].steps[0].loop';
const I = 'phases[0].steps[0].if';

const loops: ProblemCase[] = [
  {
    name: 'loop is a list',
    text: withStep('loop: [a]'),
    path: L,
    message: "must be a map with 'for' or 'forEach'",
  },
  {
    name: 'neither for nor forEach',
    text: withStep('loop: {name: x}'),
    path: L,
    message: "needs 'for' or 'forEach'",
  },
  {
    name: 'both for and forEach',
    text: withStep('loop: {for: {start: 1, end: 2, updateBy: 1}, forEach: [a]}'),
    path: L,
    message: "either 'for' or 'forEach'",
  },
  {
    name: 'updateBy 0',
    text: withStep('loop: {for: {start: 1, end: 2, updateBy: 0}}'),
    path: `${L}.for.updateBy`,
    message: 'must not be 0',
  },
  {
    name: 'never reaches end going up',
    text: withStep('loop: {for: {start: 5, end: 1, updateBy: 1}}'),
    path: `${L}.for.updateBy`,
    message: 'stepping by 1 from 5 never reaches 1',
  },
  {
    name: 'never reaches end going down',
    text: withStep('loop: {for: {start: 1, end: 5, updateBy: -2}}'),
    path: `${L}.for.updateBy`,
    message: 'use a positive updateBy',
  },
  {
    name: 'reference in for',
    text: withStep("loop: {for: {start: 1, end: '{{ N }}', updateBy: 1}}"),
    path: `${L}.for.end`,
    message: 'references are not allowed in a for loop',
  },
  {
    name: 'for with a string',
    text: withStep("loop: {for: {start: '1', end: 3, updateBy: 1}}"),
    path: `${L}.for.start`,
    message: 'must be a whole number',
  },
  {
    name: 'for without end',
    text: withStep('loop: {for: {start: 1, updateBy: 1}}'),
    path: `${L}.for`,
    message: "needs 'end'",
  },
  {
    name: 'forEach item is a map',
    text: withStep('loop: {forEach: [{a: b}]}'),
    path: `${L}.forEach[0]`,
    message: 'must be a string; got a map',
  },
  {
    name: 'forEach is a string',
    text: withStep('loop: {forEach: a,b}'),
    path: `${L}.forEach`,
    message: "must be a list of values or a map with 'list' and 'delimiter'",
  },
  {
    name: 'delimited without list',
    text: withStep("loop: {forEach: {delimiter: ','}}"),
    path: `${L}.forEach`,
    message: "needs 'list'",
  },
  {
    name: 'delimiter of two characters',
    text: withStep("loop: {forEach: {list: 'a||b', delimiter: '||'}}"),
    path: `${L}.forEach.delimiter`,
    message: "must be one character of . , ; : - _ space \\n \\t; got '||'",
  },
  {
    name: 'delimiter not allowed',
    text: withStep("loop: {forEach: {list: 'a|b', delimiter: '|'}}"),
    path: `${L}.forEach.delimiter`,
    message: "got '|'",
  },
  {
    name: 'delimiter as a reference',
    text: withStep("loop: {forEach: {list: 'a,b', delimiter: '{{ D }}'}}"),
    path: `${L}.forEach.delimiter`,
    message: 'cannot be a reference',
  },
  {
    name: 'loop names unique in a phase',
    text: stepsDoc(
      '- name: A\n  action: ExecuteBash\n  loop: {name: L, forEach: [a]}\n  inputs: {commands: [x]}\n- name: B\n  action: ExecuteBash\n  loop: {name: L, forEach: [b]}\n  inputs: {commands: [x]}',
    ),
    path: 'phases[0].steps[1].loop.name',
    message: "loop name 'L' is already used by phases[0].steps[0]",
  },
];

const conditions: ProblemCase[] = [
  {
    name: 'if is a string',
    text: withStep('if: fileExists'),
    path: I,
    message: 'must be a map with one operator',
  },
  {
    name: 'unknown operator',
    text: withStep('if: {fileExist: /a}'),
    path: `${I}.fileExist`,
    message: "unknown operator 'fileExist'",
  },
  {
    name: 'operator in the wrong case',
    text: withStep('if: {StringEquals: a, value: a}'),
    path: `${I}.StringEquals`,
    message: "did you mean 'stringEquals'",
  },
  { name: 'no operator', text: withStep('if: {value: a, then: Skip}'), path: I, message: 'has no operator' },
  {
    name: 'two operators',
    text: withStep('if: {fileExists: /a, folderExists: /b}'),
    path: I,
    message: "several operators (fileExists, folderExists); combine them with 'and' or 'or'",
  },
  {
    name: 'comparison without value',
    text: withStep('if: {stringEquals: a}'),
    path: I,
    message: "'stringEquals' needs a 'value' to compare with",
  },
  {
    name: 'single operand with value',
    text: withStep('if: {fileExists: /a, value: /b}'),
    path: `${I}.value`,
    message: "'fileExists' takes one operand; remove 'value'",
  },
  {
    name: 'operand is a list',
    text: withStep('if: {binaryExists: [a]}'),
    path: `${I}.binaryExists`,
    message: 'needs a string or number',
  },
  {
    name: 'then not an action',
    text: withStep('if: {fileExists: /a, then: Run}'),
    path: `${I}.then`,
    message: 'must be Abort, Execute or Skip',
  },
  {
    name: 'else in the wrong case',
    text: withStep('if: {fileExists: /a, else: skip}'),
    path: `${I}.else`,
    message: "did you mean 'Skip'",
  },
  {
    name: 'not with a list',
    text: withStep('if: {not: [{fileExists: /a}]}'),
    path: `${I}.not`,
    message: 'must be a map with one operator',
  },
  {
    name: 'and with no operands',
    text: withStep('if: {and: []}'),
    path: `${I}.and`,
    message: "'and' takes a non-empty list",
  },
  {
    name: 'value on a logical operator',
    text: withStep('if: {or: [{fileExists: /a}], value: x}'),
    path: `${I}.value`,
    message: "'or' takes no 'value'",
  },
  {
    name: 'nested error path',
    text: withStep('if: {and: [{fileExists: /a}, {not: {stringEquals: a}}]}'),
    path: `${I}.and[1].not`,
    message: "needs a 'value'",
  },
  {
    name: 'number operator with text',
    text: withStep('if: {numberEquals: abc, value: 1}'),
    path: `${I}.numberEquals`,
    message: "'abc' is not a number",
  },
  {
    name: 'bad regular expression',
    text: withStep("if: {patternMatches: '(', value: x}"),
    path: `${I}.patternMatches`,
    message: 'not a valid regular expression',
  },
  {
    name: 'hash operator without path',
    text: withStep('if: {fileSHA256Equals: abc}'),
    path: I,
    message: "needs a 'path' (the file to hash)",
  },
  {
    name: 'logical nesting deeper than 4',
    text: withStep('if: {and: [{or: [{not: {and: [{or: [{fileExists: /a}]}]}}]}]}'),
    path: `${I}.and[0].or[0].not.and[0].or`,
    message: 'nest more than 4 levels',
  },
  {
    name: 'Assert without an operator',
    text: withStep('', 'Assert', '{value: x}'),
    path: 'phases[0].steps[0].inputs',
    message: 'has no operator',
  },
  {
    name: 'Assert without inputs',
    text: stepsDoc('- name: A\n  action: Assert'),
    path: 'phases[0].steps[0].inputs',
    message: 'must be a map with one operator',
  },
];

describe('loops', () => {
  for (const c of loops) it(c.name, () => assertProblem(c));

  it('reads the three loop forms', () => {
    const text = stepsDoc(`
      - name: A
        action: ExecuteBash
        loop: {name: up, for: {start: 0, end: 4, updateBy: 2}}
        inputs: {commands: ['echo {{ up.value }} {{ loop.index }}']}
      - name: B
        action: ExecuteBash
        loop: {forEach: [a, 'b c']}
        inputs: {commands: ['echo {{ loop.value }}']}
      - name: C
        action: ExecuteBash
        loop: {forEach: {list: "a\\nb", delimiter: "\\n"}}
        inputs: {commands: ['echo {{ loop.value }}']}
      - name: D
        action: ExecuteBash
        loop: {forEach: {list: 'a b'}}
        inputs: {commands: [echo]}
    `);
    const r = assertValid('loops', text);
    assert.ok(r.ok);
    const [a, b, c, d] = r.document.phases[0]?.steps ?? [];
    assert.deepEqual(a?.loop, { kind: 'for', name: 'up', start: 0, end: 4, updateBy: 2 });
    assert.deepEqual(b?.loop, { kind: 'forEach', items: ['a', 'b c'] });
    assert.deepEqual(c?.loop, { kind: 'forEachDelimited', list: 'a\nb', delimiter: '\n' });
    assert.deepEqual(d?.loop, { kind: 'forEachDelimited', list: 'a b', delimiter: ',' });
  });

  it('accepts a negative updateBy counting down, and each allowed delimiter', () => {
    assertValid('down', withStep('loop: {for: {start: 5, end: 1, updateBy: -1}}'));
    for (const d of ['.', ',', ';', ':', '\\n', '\\t', ' ', '-', '_']) {
      assertValid(`delimiter ${d}`, withStep(`loop: {forEach: {list: 'a', delimiter: "${d}"}}`));
    }
  });

  it('allows the same loop name in different phases', () => {
    const step =
      '      - name: A\n        action: ExecuteBash\n        loop: {name: L, forEach: [a]}\n        inputs: {commands: [x]}\n';
    assertValid(
      'phases',
      `schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n${step}  - name: test\n    steps:\n${step}`,
    );
  });

  it('warns about an empty forEach list', () => {
    assertWarning({
      name: 'empty',
      text: withStep('loop: {forEach: []}'),
      path: `${L}.forEach`,
      message: 'empty',
    });
  });
});

describe('conditions (if and Assert)', () => {
  for (const c of conditions) it(c.name, () => assertProblem(c));

  it('accepts every comparison operator', () => {
    for (const op of COMPARISON_OPERATORS) {
      const single =
        (FILE_OPERATORS as readonly string[]).includes(op) ||
        op === 'stringIsEmpty' ||
        op === 'stringIsWhitespace';
      const second =
        op.startsWith('fileSHA') || op.startsWith('fileMD5') ? ', path: /a' : single ? '' : ', value: 1';
      const operand = op === 'patternMatches' ? "'^[0-9]+$'" : '1';
      assertValid(op, withStep(`if: {${op}: ${operand}${second}}`));
      assertValid(`Assert ${op}`, withStep('', 'Assert', `{${op}: ${operand}${second}}`));
    }
  });

  it('reads then/else siblings, nested logic and Assert into a tree', () => {
    const text = stepsDoc(`
      - name: A
        action: ExecuteBash
        if:
          not:
            binaryExists: tar
            then: Execute
            else: Skip
        inputs: {commands: [x]}
      - name: B
        action: Assert
        if: {value: '{{ build.A.outputs.stdout }}', stringEquals: s3}
        inputs:
          and:
            - patternMatches: '^s3:\\/\\/.*$'
              value: s3://x
            - or: [{numberGreaterThan: 2, value: '3'}, {fileExists: /etc/os-release}]
          else: Abort
    `);
    const r = assertValid('tree', text);
    assert.ok(r.ok);
    const [a, b] = r.document.phases[0]?.steps ?? [];
    assert.equal(a?.if?.kind, 'not');
    assert.equal(a.if.path, 'phases[0].steps[0].if');
    assert.equal(a.if.then, undefined);
    const { then: inner, ...rest } = a.if.operand;
    assert.equal(inner, 'Execute');
    assert.deepEqual(rest, {
      kind: 'comparison',
      operator: 'binaryExists',
      operand: 'tar',
      path: 'phases[0].steps[0].if.not',
      else: 'Skip',
    });
    assert.deepEqual(b?.if, {
      kind: 'comparison',
      operator: 'stringEquals',
      operand: 's3',
      value: '{{ build.A.outputs.stdout }}',
      path: 'phases[0].steps[1].if',
    });
    assert.equal(b?.assertion?.kind, 'and');
    assert.equal(b?.assertion?.else, 'Abort');
  });

  it('accepts four levels of logical nesting', () => {
    assertValid('depth 4', withStep('if: {and: [{or: [{not: {and: [{fileExists: /a}]}}]}]}'));
  });

  it('takes a one-item list for if, with a warning', () => {
    assertWarning({
      name: 'list',
      text: withStep('if: [{fileExists: /a}]'),
      path: I,
      message: 'not a one-item list',
    });
  });
});

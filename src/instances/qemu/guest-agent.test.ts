import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAgentLine, REQUEST_CHUNK, requestLines } from './guest-agent.js';

const hex = (s: string): string => Buffer.from(s).toString('hex');

test('requestLines: cwd, env, argv and stdin as hex fields, "-" for empty', () => {
  assert.deepEqual(requestLines(3, { argv: ['true'], cwd: '/', env: {} }), [
    `IN 3 ${hex('/')} - ${hex('true')} -`,
  ]);
  assert.deepEqual(
    requestLines(4, { argv: ['sh', '-c', 'x'], cwd: '/root', env: { A: '1', B: '' }, input: 'in' }),
    [`IN 4 ${hex('/root')} ${hex('A=1\0B=')} ${hex('sh\0-c\0x')} ${hex('in')}`],
  );
});

test('requestLines splits a large request into pieces the guest reassembles exactly', () => {
  const input = Buffer.alloc(10_000, 7);
  const lines = requestLines(9, { argv: ['cat'], cwd: '/', env: {}, input });
  assert.ok(lines.length > 1);
  const pieces = lines.map((line) => {
    assert.ok(line.startsWith('IN 9 '));
    const piece = line.slice('IN 9 '.length);
    assert.ok(piece.length <= REQUEST_CHUNK);
    return piece;
  });
  assert.equal(pieces.join(''), `${hex('/')} - ${hex('cat')} ${input.toString('hex')}`);
});

const messages: [string, string, ReturnType<typeof parseAgentLine>][] = [
  ['hello', 'HELLO 0b7c-11', { kind: 'HELLO', bootId: '0b7c-11' }],
  ['hello with a carriage return', 'HELLO abc\r', { kind: 'HELLO', bootId: 'abc' }],
  ['stdout chunk', `OUT 2 ${hex('hi\n')}`, { kind: 'OUT', id: 2, data: Buffer.from('hi\n') }],
  ['stderr chunk', `ERR 2 ${hex('x')}`, { kind: 'ERR', id: 2, data: Buffer.from('x') }],
  ['exit code', 'EXIT 2 7 -', { kind: 'EXIT', id: 2, exitCode: 7, signal: null }],
  ['killed by a signal', 'EXIT 5 - 9', { kind: 'EXIT', id: 5, exitCode: null, signal: 9 }],
  ['stdin piece acknowledged', 'INACK 4', { kind: 'INACK', id: 4 }],
  ['power acknowledged', 'ACK POWER', { kind: 'ACK' }],
  ['console noise', '[    1.234] random: crng init done', undefined],
  ['bad hex', 'OUT 2 zz', undefined],
  ['torn line', 'EXIT 2', undefined],
];
for (const [name, line, expected] of messages) {
  test(`parseAgentLine: ${name}`, () => assert.deepEqual(parseAgentLine(line), expected));
}

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFile, setFileEncoding } from './fs-read.js';
import {
  assertFailed,
  assertSuccess,
  emptyLog,
  launchTestInstance,
  type TestInstance,
} from './fs-test-support.js';

let t: TestInstance;

before(async () => {
  t = await launchTestInstance('fs-read-test');
});

after(() => t?.stop());

const hex = (path: string) => t.sh(`od -An -tx1 '${path}' | tr -d ' \\n'`);

test('ReadFile: content output, links followed, encodings, printFileContent', async () => {
  await t.sh(
    "printf 'hello\\nworld\\n' > /opt/r.txt && ln -s /opt/r.txt /opt/r.link && printf '\\377\\376h\\000i\\000' > /opt/r16",
  );
  const log = emptyLog();
  assert.deepEqual(
    assertSuccess(await t.run(readFile, [{ path: '/opt/r.link', printFileContent: true }], { log })),
    { content: 'hello\nworld\n' },
  );
  assert.deepEqual(log.stdout, ['hello', 'world']);
  assert.deepEqual(assertSuccess(await t.run(readFile, [{ path: '/opt/r16', encoding: 'UTF-16-LE' }])), {
    content: 'hi',
  });
  assert.deepEqual(
    assertSuccess(await t.run(readFile, [{ path: '/opt/r16' }, { path: '/opt/r.txt' }], { log: emptyLog() })),
    {
      content: '\ufffd\ufffdh\u0000i\u0000\nhello\nworld\n',
    },
  );
  const quiet = emptyLog();
  await t.run(readFile, [{ path: '/opt/r.txt' }], { log: quiet });
  assert.deepEqual(quiet.stdout, []);
  assertFailed(
    await t.run(readFile, [{ path: '/opt/none' }]),
    /^inputs\[0\]\.path: \/opt\/none does not exist$/,
  );
  assertFailed(await t.run(readFile, [{ path: '/opt' }]), /^inputs\[0\]\.path: \/opt is a folder$/);
});

test('SetFileEncoding converts UTF-8 text and keeps the mode', async () => {
  const cases: [string | undefined, string][] = [
    [undefined, '61c3a9'],
    ['utf16', '6100e900'],
    ['utf-16-be', '006100e9'],
    ['UTF32', '61000000e9000000'],
    ['utf32-BE', '00000061000000e9'],
  ];
  for (const [encoding, bytes] of cases) {
    await t.sh("printf 'a\\303\\251' > /opt/e.txt && chmod 600 /opt/e.txt");
    assertSuccess(
      await t.run(setFileEncoding, [encoding ? { path: '/opt/e.txt', encoding } : { path: '/opt/e.txt' }]),
    );
    assert.equal(await hex('/opt/e.txt'), bytes, String(encoding));
    assert.equal(await t.stat('/opt/e.txt'), '600 root root regular file');
  }
  assertFailed(
    await t.run(setFileEncoding, [{ path: '/opt/none', encoding: 'utf16' }]),
    /^inputs\[0\]\.path: \/opt\/none does not exist$/,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListing } from './disk-tree.js';

test('parseListing reads debugfs ls -p sessions, skipping . and ..', () => {
  const output = [
    'debugfs: ls -p "/"',
    '/2/040755/0/0/.//',
    '/2/040755/0/0/..//',
    '/12/040755/0/0/usr//',
    'debugfs: ls -p "/usr/bin"',
    '/14/104755/0/0/su/72000/',
    '/16/120777/0/0/sh/4/',
    '/17/020666/0/0/null/0/',
    'debugfs: ls -p "/a \\"q\\""',
    '/18/100644/1000/1000/f/3/',
  ].join('\n');
  assert.deepEqual(
    parseListing(output).map((e) => [e.dir, e.name, e.inode, e.mode.toString(8), e.uid]),
    [
      ['/', 'usr', 12, '40755', 0],
      ['/usr/bin', 'su', 14, '104755', 0],
      ['/usr/bin', 'sh', 16, '120777', 0],
      ['/usr/bin', 'null', 17, '20666', 0],
      ['/a "q"', 'f', 18, '100644', 1000],
    ],
  );
});

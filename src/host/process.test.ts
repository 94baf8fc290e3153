import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireLock } from './lock.js';
import { processIdentity } from './proc.js';
import { HostCommandError, quoteArgv, runChecked, runProcess } from './process.js';
import { MissingToolError, requireTool } from './tools.js';

/** A broken kill leaves pipes open and the call pending forever: fail instead of hanging the run. */
const HANG_GUARD = { timeout: 60_000 };

// Three grandchildren: one plain, one in its own session (escapes the process group), one
// ignoring SIGTERM (needs the SIGKILL pass). Each prints its pid, then the shell waits.
const TREE = [
  'sh',
  '-c',
  'sleep 300 & echo $!; setsid sleep 300 & echo $!; (trap "" TERM; exec sleep 300) & echo $!; wait',
];

async function runTree(options: { abort?: boolean; timeoutMs?: number }) {
  const controller = new AbortController();
  const pids: number[] = [];
  const result = await runProcess(TREE, {
    signal: controller.signal,
    timeoutMs: options.timeoutMs,
    killGraceMs: 300,
    onStdoutLine: (line) => {
      pids.push(Number(line));
      if (pids.length === 3 && options.abort) controller.abort();
    },
  });
  return { result, pids };
}

test(
  'abort kills the whole process tree, including setsid and TERM-ignoring grandchildren',
  HANG_GUARD,
  async () => {
    const { result, pids } = await runTree({ abort: true });
    assert.equal(result.aborted, true);
    assert.equal(result.timedOut, false);
    assert.equal(pids.length, 3);
    for (const pid of pids) assert.equal(processIdentity(pid), undefined, `pid ${pid} survived`);
  },
);

test('timeout kills the whole process tree', HANG_GUARD, async () => {
  const { result, pids } = await runTree({ timeoutMs: 300 });
  assert.equal(result.timedOut, true);
  assert.equal(result.aborted, false);
  for (const pid of pids) assert.equal(processIdentity(pid), undefined, `pid ${pid} survived`);
});

test('an already aborted signal starts nothing', async () => {
  const result = await runProcess(['sh', '-c', 'exit 0'], { signal: AbortSignal.abort() });
  assert.deepEqual(result, {
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    timedOut: false,
    aborted: true,
  });
});

test('captures output, feeds input and reports lines', async () => {
  const lines: string[] = [];
  const result = await runProcess(['sh', '-c', 'cat; printf "a\\nb"; echo e >&2; exit 4'], {
    input: 'in\n',
    onStdoutLine: (l) => lines.push(l),
  });
  assert.equal(result.exitCode, 4);
  assert.equal(result.stdout, 'in\na\nb');
  assert.equal(result.stderr, 'e\n');
  assert.deepEqual(lines, ['in', 'a', 'b']);
});

test('keeps only the tail of a large output', async () => {
  const result = await runProcess(['sh', '-c', 'seq 1 100000'], { maxCaptureBytes: 1000 });
  assert.ok(result.stdout.length <= 1000 + 65536, 'at most one extra chunk is kept');
  assert.ok(result.stdout.endsWith('99999\n100000\n'));
  assert.ok(!result.stdout.startsWith('1\n2\n'));
});

test('a background leftover holding the output pipe does not keep the call open', HANG_GUARD, async () => {
  let pid = 0;
  const result = await runProcess(['sh', '-c', 'sleep 300 & echo $!'], {
    onStdoutLine: (l) => {
      pid = Number(l);
    },
  });
  assert.equal(result.exitCode, 0);
  assert.equal(processIdentity(pid), undefined);
});

test('runChecked throws HostCommandError with argv, exit code and the stderr tail', async () => {
  const argv = ['sh', '-c', 'for i in $(seq 1 50); do echo line$i >&2; done; exit 3'];
  await assert.rejects(runChecked(argv), (err: unknown) => {
    assert.ok(err instanceof HostCommandError);
    assert.equal(err.code, 'ServiceException');
    assert.deepEqual(err.argv, argv);
    assert.equal(err.exitCode, 3);
    assert.ok(err.stderrTail.endsWith('line49\nline50'));
    assert.ok(!err.stderrTail.includes('line30\n'), 'only the tail is kept');
    assert.match(err.message, /failed with exit code 3: sh -c 'for i/);
    return true;
  });
  const ok = await runChecked(['sh', '-c', 'echo fine']);
  assert.equal(ok.stdout, 'fine\n');
});

test('runChecked reports a timeout as such', async () => {
  await assert.rejects(runChecked(['sleep', '30'], { timeoutMs: 100 }), (err: unknown) => {
    assert.ok(err instanceof HostCommandError);
    assert.equal(err.timedOut, true);
    assert.match(err.message, /timed out: sleep 30/);
    return true;
  });
});

test('a program that does not exist rejects', async () => {
  await assert.rejects(
    runProcess(['/nonexistent/kiln-tool']),
    /cannot start \/nonexistent\/kiln-tool: .*ENOENT/,
  );
});

test('requireTool finds programs and names the Debian package when one is missing', () => {
  assert.match(requireTool('sh', 'dash'), /\/sh$/);
  assert.throws(
    () => requireTool('kiln-no-such-tool', 'kiln-pkg'),
    (err: unknown) => {
      assert.ok(err instanceof MissingToolError);
      assert.equal(
        err.message,
        'kiln-no-such-tool not found: install the Debian package kiln-pkg (make deps)',
      );
      return true;
    },
  );
});

test('quoteArgv quotes what a shell would need quoted', () => {
  const cases: [string[], string][] = [
    [['ls', '-l', '/tmp'], 'ls -l /tmp'],
    [['sh', '-c', 'echo $HOME'], "sh -c 'echo $HOME'"],
    [['echo', "it's"], "echo 'it'\\''s'"],
    [['x', ''], "x ''"],
  ];
  for (const [argv, expected] of cases) assert.equal(quoteArgv(argv), expected);
});

test('acquireLock makes a second holder wait for the first', HANG_GUARD, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-lock-'));
  try {
    const path = join(dir, 'lock');
    const order: string[] = [];
    const first = await acquireLock(path);
    order.push('first');
    const second = acquireLock(path).then((lock) => {
      order.push('second');
      return lock;
    });
    // A command run while the first lock is held proves the second did not get in meanwhile.
    await runProcess(['sh', '-c', 'sleep 0.3']);
    order.push('release');
    await first.release();
    await (await second).release();
    assert.deepEqual(order, ['first', 'release', 'second']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a throwing line callback stops the command and rejects with its error', HANG_GUARD, async () => {
  let pid = 0;
  const run = runProcess(['sh', '-c', 'sleep 300 & echo $!; wait'], {
    killGraceMs: 300,
    onStdoutLine: (line) => {
      pid = Number(line);
      throw new Error('callback failed');
    },
  });
  await assert.rejects(run, /callback failed/);
  assert.equal(processIdentity(pid), undefined);
});

test('acquireLock gives up waiting when its signal aborts', HANG_GUARD, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-lock-'));
  try {
    const path = join(dir, 'lock');
    const held = await acquireLock(path);
    const controller = new AbortController();
    const waiting = acquireLock(path, { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    await held.release();
    await (await acquireLock(path)).release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

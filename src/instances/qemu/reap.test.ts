import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTree } from '../../host/fs.js';
import { isAlive, type ProcessIdentity } from '../../host/proc.js';
import { runProcess } from '../../host/process.js';
import { requireTool } from '../../host/tools.js';
import { reapStaleInstances } from './backend.js';

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), what);
}

test('reapStaleInstances kills the QEMU of a crashed Kiln and removes its overlay', async (t) => {
  requireTool('qemu-system-x86_64', 'qemu-system-x86');
  const work = await makeTempDir('kiln-qemu-reap-');
  t.after(() => removeTree(work));
  const stateDir = join(work, 'state');
  const scratchDir = join(work, 'vms');
  // Any disk will do: QEMU runs (the firmware finds nothing to boot) until someone kills it.
  const disk = join(work, 'blank.raw');
  await writeFile(disk, Buffer.alloc(1024 * 1024));
  const backendUrl = new URL('./backend.ts', import.meta.url).href;
  // The child dies by SIGKILL once its QEMU is recorded: no stop(), no cleanup, like a crash.
  const script = `
    import { existsSync, readdirSync, readFileSync } from 'node:fs';
    const { QemuBackend } = await import(${JSON.stringify(backendUrl)});
    const stateDir = ${JSON.stringify(stateDir)};
    void new QemuBackend({ stateDir, scratchDir: ${JSON.stringify(scratchDir)} })
      .launch({ lowerDirs: [], network: 'none', disk: ${JSON.stringify(disk)} });
    setInterval(() => {
      if (!existsSync(stateDir)) return; // the launch has not saved its record yet
      for (const name of readdirSync(stateDir).filter((n) => n.endsWith('.json'))) {
        const record = JSON.parse(readFileSync(stateDir + '/' + name, 'utf8'));
        if (record.execs.length === 0) continue;
        console.log(JSON.stringify(record));
        process.kill(process.pid, 'SIGKILL');
      }
    }, 50);`;
  let record: { id: string; scratchDir: string; execs: ProcessIdentity[] } | undefined;
  const child = await runProcess([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    timeoutMs: 120_000,
    onStdoutLine: (line) => {
      record = JSON.parse(line);
    },
  });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  assert.ok(record, 'the child recorded a launched VM');
  const [qemu] = record.execs;
  assert.ok(qemu && isAlive(qemu), 'QEMU outlived its owner');
  assert.ok(existsSync(join(record.scratchDir, 'overlay.qcow2')));

  assert.deepEqual(await reapStaleInstances(stateDir), [record.id]);
  await eventually(() => !isAlive(qemu), 'QEMU is killed');
  assert.equal(existsSync(record.scratchDir), false);
  assert.deepEqual(readdirSync(scratchDir), []);
  assert.equal(existsSync(join(stateDir, `${record.id}.json`)), false);
});

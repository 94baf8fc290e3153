/**
 * The garbage collection store-gc.test.ts kills with SIGKILL: collects DATA_DIR and, after
 * PAUSE_AFTER deletions, says so on stdout and waits to be killed (mid-deletion, journal written).
 * usage: node --import tsx store-gc-child.ts DATA_DIR CACHE_DIR PAUSE_AFTER
 */
import { collectGarbage } from '../../src/images/gc/collect.js';

const [dataDir, cacheDir, pauseAfter] = process.argv.slice(2);
if (!dataDir || !cacheDir || !pauseAfter) throw new Error('usage: DATA_DIR CACHE_DIR PAUSE_AFTER');

await collectGarbage({
  dataDir,
  cacheDir,
  onRemoved: async (_entry, done, total) => {
    if (done !== Number(pauseAfter)) return;
    process.stdout.write(`${JSON.stringify({ paused: done, total })}\n`);
    await new Promise(() => setInterval(() => undefined, 1000));
  },
});
process.stdout.write(`${JSON.stringify({ finished: true })}\n`);

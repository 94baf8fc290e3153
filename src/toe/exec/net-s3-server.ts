import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A running s3rver (a real S3-protocol server storing objects in a folder), for tests. */
export interface TestS3Server {
  readonly port: number;
  stop(): Promise<void>;
}

// s3rver loads `generator-function` through a "module-sync" export that tsx's require hook
// mangles, so it runs in a worker without tsx (execArgv: []), as plain Node would run it.
const WORKER = `
const { createRequire } = require('node:module');
const { parentPort, workerData } = require('node:worker_threads');
const S3rver = createRequire(workerData.from)('s3rver');
const server = new S3rver({
  address: '127.0.0.1', port: 0, silent: true, directory: workerData.directory,
  configureBuckets: workerData.buckets.map((name) => ({ name })),
});
server.run().then((address) => parentPort.postMessage(address.port), (err) => { throw err; });
parentPort.on('message', () => server.close().then(() => process.exit(0)));
`;

/** Starts s3rver on 127.0.0.1 (a free port) over `directory`, with `buckets` created. */
export async function startTestS3Server(
  directory: string,
  buckets: readonly string[],
): Promise<TestS3Server> {
  const worker = new Worker(WORKER, {
    eval: true,
    execArgv: [],
    workerData: { from: fileURLToPath(import.meta.url), directory, buckets },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`s3rver worker exited with ${code} before listening`)));
  });
  return {
    port,
    stop: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
    },
  };
}

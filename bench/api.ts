/**
 * bench/api: throughput and latency of the Image Builder API on the embedded store.
 * Run: npx tsx bench/api.ts [--components 10000] [--clients 50] [--seconds 10]
 *
 * Starts a real `kiln server`, seeds components through the API, then drives GetComponent,
 * ListComponents and CreateComponent with N concurrent SigV4-signed SDK clients. In the same run
 * it measures the lower bound: a bare node:http server answering a constant JSON body to the
 * same clients (signing, HTTP and JSON parsing with no Kiln work at all).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  CreateComponentCommand,
  GetComponentCommand,
  type ImagebuilderClient,
  ListComponentsCommand,
} from '@aws-sdk/client-imagebuilder';
import { sdkClient, startServerProcess } from '../test/support/kiln-server.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const COMPONENTS = arg('components', 10_000);
const CLIENTS = arg('clients', 50);
const SECONDS = arg('seconds', 10);
const DOC = `schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: ['true']\n`;

interface Result {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Kiln's own time per request, from the Server-Timing header (undefined for the lower bound). */
  serverP50?: number;
  serverP99?: number;
}

/** Server-side durations reported by Kiln in the Server-Timing header, per client. */
const serverTimes: number[] = [];
function recordServerTiming(client: ImagebuilderClient): ImagebuilderClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const header = (out.response as { headers?: Record<string, string> }).headers?.['server-timing'];
      const m = header ? /dur=([0-9.]+)/.exec(header) : null;
      if (m) serverTimes.push(Number(m[1]));
      return out;
    },
    { step: 'deserialize', name: 'kilnServerTiming' },
  );
  return client;
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function drive(
  name: string,
  clients: ImagebuilderClient[],
  call: (c: ImagebuilderClient, i: number) => Promise<unknown>,
): Promise<Result> {
  const latencies: number[] = [];
  serverTimes.length = 0;
  const deadline = performance.now() + SECONDS * 1000;
  let counter = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await call(c, counter++);
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const server = [...serverTimes].sort((a, b) => a - b);
  return {
    name,
    requests: latencies.length,
    rps: latencies.length / SECONDS,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    ...(server.length > 0 ? { serverP50: quantile(server, 0.5), serverP99: quantile(server, 0.99) } : {}),
  };
}

async function lowerBound(): Promise<Result> {
  const body = JSON.stringify({ requestId: 'x', component: { name: 'x' } });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = Array.from({ length: CLIENTS }, () =>
    sdkClient({ url, accessKeyId: 'AKIABENCH', secretAccessKey: 'bench' }),
  );
  const arn = 'arn:aws:imagebuilder:us-east-1:000000000000:component/c-1/1.0.0/1';
  const result = await drive('lower bound: bare node:http, same SDK clients (GET)', clients, (c) =>
    c.send(new GetComponentCommand({ componentBuildVersionArn: arn })),
  );
  server.close();
  return result;
}

async function main(): Promise<void> {
  const server = await startServerProcess();
  const clients = Array.from({ length: CLIENTS }, () => recordServerTiming(sdkClient(server)));
  const seedStart = performance.now();
  let next = 0;
  await Promise.all(
    clients.map(async (c) => {
      for (let i = next++; i < COMPONENTS; i = next++) {
        await c.send(
          new CreateComponentCommand({
            name: `c-${i}`,
            semanticVersion: '1.0.0',
            platform: 'Linux',
            data: DOC,
            clientToken: `seed-${i}`,
          }),
        );
      }
    }),
  );
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const results: Result[] = [await lowerBound()];
  results.push(
    await drive('GetComponent (build ARN)', clients, (c, i) =>
      c.send(
        new GetComponentCommand({
          componentBuildVersionArn: `arn:aws:imagebuilder:us-east-1:000000000000:component/c-${i % COMPONENTS}/1.0.0/1`,
        }),
      ),
    ),
  );
  results.push(
    await drive('ListComponents (first page of 25)', clients, (c) =>
      c.send(new ListComponentsCommand({ maxResults: 25 })),
    ),
  );
  results.push(
    await drive('CreateComponent', clients, (c, i) =>
      c.send(
        new CreateComponentCommand({
          name: `bench-${i}`,
          semanticVersion: '1.0.0',
          platform: 'Linux',
          data: DOC,
          clientToken: `bench-${i}`,
        }),
      ),
    ),
  );
  await server.stop();
  const ms = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2));
  const line = (r: Result) =>
    `| ${r.name} | ${r.requests} | ${r.rps.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.serverP50)} | ${ms(r.serverP99)} |`;
  process.stdout.write(
    [
      `bench/api: ${COMPONENTS} components seeded through the API in ${seedSeconds.toFixed(1)} s; ${CLIENTS} concurrent clients, ${SECONDS} s per operation`,
      '',
      '| operation | requests | req/s | client p50 ms | client p99 ms | Kiln p50 ms | Kiln p99 ms |',
      '|---|---|---|---|---|---|---|',
      ...results.map(line),
      '',
    ].join('\n'),
  );
}

await main();

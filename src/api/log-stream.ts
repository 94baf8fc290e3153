/**
 * GET /kiln/logs/stream?imageBuildVersionArn=ARN — an image's log as server-sent events.
 *
 * Events: `log` (data: one log line as JSON; id: the byte offset after it, so a reconnecting
 * client sends `Last-Event-ID` and continues there), `state` (data: the image's `state` each
 * time it changes) and `end` (the image is AVAILABLE, FAILED or CANCELLED and every line was
 * sent; the server then closes the stream). A comment line every 15 s keeps proxies from
 * closing an idle stream. New lines are pushed at once within this server and picked up by
 * polling (1 s) when another process writes them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ImageLogs } from '../events/image-logs.js';
import { onLogAppended } from '../events/wake.js';
import { isTerminal } from '../service/executions/image-state.js';
import type { Store } from '../store/store.js';

export interface StreamOptions {
  readonly store: Store;
  readonly logs: ImageLogs;
  readonly imageArn: string;
  /** Byte offset to start at (from Last-Event-ID or `from`). */
  readonly from: number;
  readonly pollMs?: number;
}

const stateOf = (body: Readonly<Record<string, unknown>> | undefined) =>
  body?.state as { status?: string; reason?: string } | undefined;

export async function streamImageLog(
  req: IncomingMessage,
  res: ServerResponse,
  o: StreamOptions,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  let offset = o.from;
  let lastState = '';
  let closed = false;
  let wakeUp: () => void = () => {};
  const stopListening = onLogAppended(o.store, o.imageArn, () => wakeUp());
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    closed = true;
    wakeUp();
  });
  try {
    while (!closed) {
      const image = await o.store.getResource(o.imageArn);
      const chunk = await o.logs.read(o.imageArn, offset);
      chunk.lines.forEach((line, i) => {
        res.write(`event: log\nid: ${chunk.ends[i]}\ndata: ${JSON.stringify(line)}\n\n`);
      });
      offset = chunk.next;
      const state = stateOf(image?.body);
      const stateText = JSON.stringify(state ?? { status: 'DELETED' });
      if (stateText !== lastState) {
        lastState = stateText;
        res.write(`event: state\ndata: ${stateText}\n\n`);
      }
      if (!image || isTerminal(state?.status)) {
        const rest = await o.logs.read(o.imageArn, offset);
        if (rest.lines.length === 0) {
          res.write(`event: end\ndata: ${stateText}\n\n`);
          break;
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, o.pollMs ?? 1_000);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    clearInterval(keepAlive);
    stopListening();
    res.end();
  }
}

/**
 * Image logs: every step's output, kept with the image as one append-only JSON-lines file per
 * image build version under DATA_DIR/logs/<account>/<region>/. A reader continues from a byte
 * offset, so `kiln logs --follow` and the server-sent-events endpoint resume where they were.
 */
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArn } from '../core/arn.js';

/** One line of an image's log (the engine's BuildLogLine plus the attempt it belongs to). */
export interface ImageLogLine {
  readonly time: number;
  readonly stage: string;
  readonly step: string;
  readonly stream: string;
  readonly text: string;
  /** 1 for the first run, 2 after the first RetryImage… */
  readonly attempt?: number;
}

export interface LogChunk {
  readonly lines: readonly ImageLogLine[];
  /** The byte offset just after each line (a resume point per line). */
  readonly ends: readonly number[];
  /** Where to continue reading (a byte offset; pass back as `from`). */
  readonly next: number;
}

export class ImageLogs {
  readonly #root: string;
  readonly #queues = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.#root = join(dataDir, 'logs');
  }

  /** The file of one image build version: logs/<account>/<region>/<name>/<version>/<build>.jsonl */
  pathOf(imageArn: string): string {
    const p = parseArn(imageArn, 'imageBuildVersionArn');
    if (p.type !== 'image' || p.build === undefined || !p.version)
      throw new Error(`not an image build version ARN: ${imageArn}`);
    const v = `${p.version.major}.${p.version.minor}.${p.version.patch}`;
    return join(this.#root, p.account, p.region, p.name, v, `${p.build}.jsonl`);
  }

  /** Appends lines in order; concurrent calls for one image are serialized. */
  append(imageArn: string, lines: readonly ImageLogLine[]): Promise<void> {
    const file = this.pathOf(imageArn);
    const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
    const previous = this.#queues.get(file) ?? Promise.resolve();
    const next = previous.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, text);
    });
    const settled = next.catch(() => undefined);
    this.#queues.set(file, settled);
    void settled.then(() => {
      if (this.#queues.get(file) === settled) this.#queues.delete(file);
    });
    return next;
  }

  /** Lines from byte offset `from` to the last complete line. */
  async read(imageArn: string, from = 0): Promise<LogChunk> {
    const file = this.pathOf(imageArn);
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size <= from) return { lines: [], ends: [], next: from };
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(file, { start: from, end: size - 1 }))
      chunks.push(chunk as Buffer);
    const buf = Buffer.concat(chunks);
    const end = buf.lastIndexOf(0x0a);
    if (end < 0) return { lines: [], ends: [], next: from };
    const lines: ImageLogLine[] = [];
    const ends: number[] = [];
    let start = 0;
    while (start <= end) {
      const nl = buf.indexOf(0x0a, start);
      if (nl > start) {
        lines.push(JSON.parse(buf.subarray(start, nl).toString('utf8')) as ImageLogLine);
        ends.push(from + nl + 1);
      }
      start = nl + 1;
    }
    return { lines, ends, next: from + end + 1 };
  }

  /** The last `count` lines of one stage/step, for failure reasons. */
  async tail(imageArn: string, count: number, match?: (l: ImageLogLine) => boolean): Promise<ImageLogLine[]> {
    const { lines } = await this.read(imageArn);
    return (match ? lines.filter(match) : [...lines]).slice(-count);
  }

  async remove(imageArn: string): Promise<void> {
    await rm(this.pathOf(imageArn), { force: true });
  }
}

import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunRecord } from './types.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `TOE_2022-05-25_14-01-45_UTC-0_<executionId>`, as awstoe names its run folder. */
export function runDirName(startMs: number, executionId: string): string {
  const d = new Date(startMs);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
  return `TOE_${date}_${time}_UTC-0_${executionId}`;
}

/** The name awstoe gives the copy of input document n: `D0__hello-world-linux.yml`. */
export const documentCopyName = (n: number, path: string): string => `D${n}__${basename(path)}`;

/** What chaining.json holds per document (inputs and outputs JSON-encoded, as awstoe writes them). */
export interface ChainingDocument {
  phases: {
    name: string;
    isSelected: boolean;
    steps: { name: string; inputs: string; outputs: string; loop: unknown; documents: unknown }[];
  }[];
}

/**
 * One run's log folder, laid out like awstoe's: the document copies, console.log (user-facing
 * lines), application.log (timestamped debug lines), detailedoutput.json and chaining.json
 * (rewritten whole after every change through a rename, so a reader never sees half a file;
 * not fsynced: they are logs, and a sync per step would cost more than the step overhead).
 * Log lines are written synchronously so that they stay in order with the JSON files.
 */
export class RunLogs {
  private readonly consoleFd: number;
  private readonly appFd: number;

  private constructor(
    readonly dir: string,
    private readonly now: () => number,
  ) {
    this.consoleFd = openSync(join(dir, 'console.log'), 'a');
    this.appFd = openSync(join(dir, 'application.log'), 'a');
  }

  static async create(logDirectory: string, executionId: string, now: () => number): Promise<RunLogs> {
    const dir = join(logDirectory, runDirName(now(), executionId));
    await mkdir(dir, { recursive: true });
    return new RunLogs(dir, now);
  }

  async copyDocument(n: number, path: string, text: string): Promise<void> {
    await writeFile(join(this.dir, documentCopyName(n, path)), text);
  }

  /** A console.log line; it also goes to application.log, as awstoe's Info lines do. */
  console(line: string): void {
    writeSync(this.consoleFd, `${line}\n`);
    this.debug(line, 'Info');
  }

  /** An application.log line: `<RFC3339Nano time> <level> <message>`. */
  debug(line: string, level = 'Debug'): void {
    writeSync(this.appFd, `${new Date(this.now()).toISOString()} ${level} ${line}\n`);
  }

  writeDetailed(record: RunRecord): Promise<void> {
    return this.replace('detailedoutput.json', JSON.stringify(record, null, 2));
  }

  writeChaining(documents: readonly ChainingDocument[]): Promise<void> {
    return this.replace('chaining.json', JSON.stringify(documents, null, 2));
  }

  private writes: Promise<void> = Promise.resolve();

  /** Serialized, so an older snapshot never lands after a newer one. */
  private replace(name: string, text: string): Promise<void> {
    const path = join(this.dir, name);
    this.writes = this.writes.then(async () => {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    });
    return this.writes;
  }

  close(): void {
    closeSync(this.consoleFd);
    closeSync(this.appFd);
  }
}

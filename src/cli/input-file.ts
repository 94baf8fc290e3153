import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import type { Obj } from '../apply/resources.js';
import { UsageError } from './args.js';

/** Reads a `--file` of request members; JSON is YAML, so one parser serves both. */
export async function readInputFile(path: string): Promise<Obj> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read --file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    const line = err instanceof YAMLParseError ? `:${err.linePos?.[0]?.line ?? '?'}` : '';
    throw new UsageError(`${path}${line}: not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(
      `${path}: must hold a mapping of request members (e.g. name, semanticVersion, ...).`,
    );
  }
  return value as Obj;
}

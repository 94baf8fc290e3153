/** `kiln image import FILE --name N --version V [--format F]`: a tree from outside as an image (ImportVmImage). */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ImportVmImageCommand } from '@aws-sdk/client-imagebuilder';
import { expectPositionals, type FlagSpec, UsageError, usageText } from '../args.js';
import { CLIENT_FLAGS } from '../client.js';
import { JSON_FLAG, requireValue, runClientVerb, toJson } from '../run.js';
import type { Verb } from '../verb.js';

const FORMATS = ['tar', 'oci-archive', 'oci-layout', 'raw', 'qcow2'];

const FLAGS: readonly FlagSpec[] = [
  { name: 'name', type: 'string', value: 'NAME', help: 'name of the image (required)' },
  { name: 'version', type: 'string', value: 'X.Y.Z', help: 'semantic version of the image (required)' },
  { name: 'format', type: 'string', value: 'FORMAT', help: `${FORMATS.join('|')} (default: detected)` },
  { name: 'description', type: 'string', value: 'TEXT', help: 'description of the image' },
  { name: 'os-version', type: 'string', value: 'TEXT', help: 'operating system version, e.g. "Debian 12"' },
  JSON_FLAG,
];

const SUMMARY =
  'import a root tar, an OCI archive or layout, or a raw or qcow2 disk as an image (usable as a parent)';

/**
 * The ImportVmImage `vmImportTaskId` for a local file (pure): `[FORMAT:]ABSOLUTE-PATH`. The
 * server reads the path, so the CLI and the server must share the machine (docs/api-notes.md).
 */
export function importTaskId(file: string, cwd: string, format: string | undefined): string {
  if (format !== undefined && !FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not '${format}'.`);
  const path = resolve(cwd, file);
  return format ? `${format}:${path}` : path;
}

export const imageImportVerb: Verb = {
  path: ['image', 'import'],
  summary: SUMMARY,
  usage: usageText('kiln image import FILE --name NAME --version X.Y.Z [--format FORMAT]', SUMMARY, [
    ...FLAGS,
    ...CLIENT_FLAGS,
  ]),
  run: (args, io) =>
    runClientVerb(args, io, FLAGS, async (parsed, { client }) => {
      const [file] = expectPositionals(parsed, ['FILE']);
      const answer = await client.send(
        new ImportVmImageCommand({
          name: requireValue(parsed.string('name'), '--name'),
          semanticVersion: requireValue(parsed.string('version'), '--version'),
          platform: 'Linux',
          vmImportTaskId: importTaskId(file as string, io.cwd, parsed.string('format')),
          description: parsed.string('description'),
          osVersion: parsed.string('os-version'),
          clientToken: randomUUID(),
        }),
      );
      io.stdout.write(parsed.boolean('json') ? toJson(answer) : `imported ${answer.imageArn}\n`);
      return 0;
    }),
};

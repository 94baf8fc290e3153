import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatProblem, PLATFORMS, type Platform, validateComponentDocument } from '../../toe/index.js';
import type { Verb, VerbIO } from '../verb.js';

const USAGE = `Usage: kiln toe validate [--platform Linux|Windows|macOS] FILE...

Checks AWSTOE component documents (YAML or JSON) as AWSTOE would for the platform
(default Linux) and lists every problem as FILE:LINE:COL: PATH: MESSAGE.
Warnings (unknown keys, out-of-scope loop variables) do not fail validation.

Exit status: 0 when every file is valid, 1 when any is invalid or unreadable.
`;

export const toeValidateVerb: Verb = {
  path: ['toe', 'validate'],
  summary: 'Validate AWSTOE component documents',
  usage: USAGE,
  async run(args: string[], io: VerbIO): Promise<number> {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(args);
    } catch (err) {
      io.stderr.write(`kiln toe validate: ${(err as Error).message}\n\n${USAGE}`);
      return 1;
    }
    let failed = false;
    for (const file of parsed.files) {
      if (!(await validateFile(file, parsed.platform, io))) failed = true;
    }
    return failed ? 1 : 0;
  },
};

function parse(args: string[]): { platform: Platform; files: string[] } {
  const { values, positionals } = parseArgs({
    args,
    options: { platform: { type: 'string', short: 'p' } },
    allowPositionals: true,
    strict: true,
  });
  const platform = values.platform ?? 'Linux';
  if (!(PLATFORMS as readonly string[]).includes(platform)) {
    throw new Error(`--platform must be Linux, Windows or macOS (got '${platform}')`);
  }
  if (positionals.length === 0) throw new Error('name at least one document file');
  return { platform: platform as Platform, files: positionals };
}

async function validateFile(file: string, platform: Platform, io: VerbIO): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (err) {
    io.stdout.write(
      `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`,
    );
    return false;
  }
  const result = validateComponentDocument(text, { platform, fileName: file });
  if (!result.ok) for (const p of result.problems) io.stdout.write(`${formatProblem(p, file)}\n`);
  for (const w of result.warnings)
    io.stdout.write(`${formatProblem({ ...w, message: `warning: ${w.message}` }, file)}\n`);
  if (result.ok) {
    const n = result.warnings.length;
    io.stdout.write(`${file}: valid for ${platform}${n > 0 ? ` (${n} warning${n === 1 ? '' : 's'})` : ''}\n`);
  }
  return result.ok;
}

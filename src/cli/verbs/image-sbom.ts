/**
 * `kiln image sbom ARN --format cyclonedx|spdx`: prints the SBOM the build stored for an image.
 * The server's GetImage names the files (`kilnInventory`, src/engine/scan.ts); like
 * `kiln image verify` with an ARN, they are read here, so the CLI must share the server's disk.
 */
import { readFile } from 'node:fs/promises';
import { expectPositionals, type FlagSpec, parseArgs, UsageError, usageText } from '../args.js';
import { CLIENT_FLAGS, DEFAULT_ENDPOINT, describeClientError, resolveClientSettings } from '../client.js';
import { kilnCall } from '../kiln-http.js';
import type { Verb } from '../verb.js';

const FORMATS = { cyclonedx: 'sbomCycloneDx', spdx: 'sbomSpdx' } as const;
type Format = keyof typeof FORMATS;

const FLAGS: readonly FlagSpec[] = [
  { name: 'format', type: 'string', value: 'cyclonedx|spdx', help: 'SBOM format (default cyclonedx)' },
];

const SUMMARY = "print an image's SBOM (CycloneDX 1.6 or SPDX 2.3 JSON)";

/** The format flag as a known format; a usage error naming the choices otherwise (pure). */
export function sbomFormatOf(value: string | undefined): Format {
  const format = value ?? 'cyclonedx';
  if (!Object.hasOwn(FORMATS, format))
    throw new UsageError(`--format must be cyclonedx or spdx, not '${format}'.`);
  return format as Format;
}

export const imageSbomVerb: Verb = {
  path: ['image', 'sbom'],
  summary: SUMMARY,
  usage: usageText(
    'kiln image sbom ARN [--format cyclonedx|spdx]',
    `${SUMMARY}.\nThe SBOM is stored when the image is built with enhancedImageMetadataEnabled (the default).`,
    [...FLAGS, ...CLIENT_FLAGS],
  ),
  async run(args, io) {
    let endpoint = io.env.KILN_ENDPOINT || DEFAULT_ENDPOINT;
    try {
      const parsed = parseArgs(args, [...FLAGS, ...CLIENT_FLAGS]);
      const [arn] = expectPositionals(parsed, ['ARN']) as [string];
      const format = sbomFormatOf(parsed.string('format'));
      endpoint = parsed.string('endpoint') ?? endpoint;
      const settings = await resolveClientSettings(parsed, io.env, io.cwd);
      const answer = await kilnCall<{ image?: { kilnInventory?: Record<string, string> } }>(
        settings,
        'GET',
        '/GetImage',
        { imageBuildVersionArn: arn },
      );
      const path = answer.image?.kilnInventory?.[FORMATS[format]];
      if (!path)
        throw new UsageError(
          `${arn} has no stored SBOM: it was built with enhancedImageMetadataEnabled false, or before Kiln stored SBOMs.`,
        );
      io.stdout.write(await readFile(path, 'utf8'));
      return 0;
    } catch (err) {
      const { line, exitCode } = describeClientError(err, endpoint);
      io.stderr.write(`${line}\n`);
      return exitCode;
    }
  },
};

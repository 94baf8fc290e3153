/**
 * ImportVmImage and ImportDiskImage: a tree from outside becomes an image build version
 * (type AMI, imageSource IMPORTED, state AVAILABLE) usable as a parent by its ARN or its
 * `ami-…` id. Kiln has no EC2 VM import tasks, so `vmImportTaskId` names the source on the
 * server's machine: `[FORMAT:]PATH` or a `file://` URI (docs/api-notes.md, "Imports"). The
 * import runs inside the request; the answer comes when the image is AVAILABLE.
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeName } from '../core/arn.js';
import { isoTime } from '../core/clock.js';
import { invalidValue } from '../core/errors.js';
import { detectFormat, type ImportFormat, isImportFormat } from '../images/import/detect.js';
import { importImage, registerImportedImage } from '../images/import/import-image.js';
import { insertNextBuild } from './builds.js';
import type { CallContext, Handler, Input, ServiceDeps } from './context.js';
import { compact, getOwned, versionKeyOf } from './resources.js';

/** `[FORMAT:]PATH` or `[FORMAT:]file:///PATH` → an absolute path and an optional format (pure). */
export function parseImportSource(text: string, member: string): { path: string; format?: ImportFormat } {
  const m = /^([a-z0-9-]+):(?!\/\/)(.*)$/.exec(text);
  let format: ImportFormat | undefined;
  let rest = text;
  if (m && isImportFormat(m[1] as string)) {
    format = m[1] as ImportFormat;
    rest = m[2] as string;
  } else if (m && !text.startsWith('file:')) {
    throw invalidValue(
      member,
      `'${m[1]}' is not an import format.`,
      'Use tar, oci-archive, oci-layout, raw or qcow2.',
    );
  }
  let path = rest;
  if (rest.startsWith('file:')) {
    try {
      path = fileURLToPath(rest);
    } catch {
      throw invalidValue(member, `'${rest}' is not a file:// URI.`);
    }
  }
  if (!isAbsolute(path))
    throw invalidValue(
      member,
      `'${path}' is not an absolute path.`,
      'The path is read on the Kiln server’s machine.',
    );
  return format ? { path, format } : { path };
}

interface ImportInput {
  readonly name: string;
  readonly semanticVersion: string;
  readonly description?: string;
  readonly osVersion?: string;
  readonly platform: string;
  readonly tags?: Record<string, string>;
}

async function importAndRecord(
  deps: ServiceDeps,
  ctx: CallContext,
  input: ImportInput,
  source: { path: string; format?: ImportFormat | undefined; member: string },
  buildType: 'IMPORT' | 'IMPORT_ISO',
) {
  if (input.platform !== 'Linux')
    throw invalidValue('platform', `Kiln imports Linux images, not ${input.platform}.`);
  const name = normalizeName(input.name);
  if (!/^[a-z0-9-_]+$/.test(name))
    throw invalidValue('name', `'${input.name}' cannot name an image (letters, digits, - and _).`);
  const { version, versionKey } = versionKeyOf(input.semanticVersion);
  const now = deps.clock.now();
  const imported = await importImage({
    source: source.path,
    format: source.format,
    member: source.member,
    dataDir: deps.config.dataDir,
    name: input.name,
    version: input.semanticVersion,
    created: Math.floor(now / 1000),
  });
  const outputAmi = { region: ctx.region, image: imported.imageId, name: input.name, accountId: ctx.account };
  const arn = await insertNextBuild(deps, ctx, {
    type: 'image',
    nameKey: name,
    versionKey,
    arn: { region: ctx.region, account: ctx.account, type: 'image', name: input.name, version },
    tags: input.tags,
    body: (arn, at) =>
      compact({
        arn,
        name: input.name,
        version: input.semanticVersion,
        type: 'AMI',
        platform: 'Linux',
        osVersion: input.osVersion,
        description: input.description,
        owner: ctx.account,
        state: { status: 'AVAILABLE' },
        dateCreated: at,
        buildType,
        imageSource: 'IMPORTED',
        outputResources: { amis: [outputAmi] },
        kilnArtifacts: {
          imageId: imported.imageId,
          manifestDigest: imported.manifestDigest,
          ociLayout: imported.ociLayout,
        },
        kilnImport: { source: source.path, format: imported.format, wallMs: imported.wallMs },
      }),
  });
  await registerImportedImage(deps.config.dataDir, {
    imageId: imported.imageId,
    imageArn: arn,
    region: ctx.region,
    name: input.name,
    accountId: ctx.account,
    manifestDigest: imported.manifestDigest,
    creationDate: isoTime(now),
  });
  return arn;
}

const importVmImage: Handler = async (deps, ctx, input: Input) => {
  const source = parseImportSource(String(input.vmImportTaskId), 'vmImportTaskId');
  const arn = await importAndRecord(deps, ctx, input, { ...source, member: 'vmImportTaskId' }, 'IMPORT');
  return { requestId: ctx.requestId, imageArn: arn, clientToken: input.clientToken };
};

const importDiskImage: Handler = async (deps, ctx, input: Input) => {
  await getOwned(
    deps,
    ctx,
    input.infrastructureConfigurationArn,
    'infrastructureConfigurationArn',
    'infrastructure-configuration',
  );
  const uri = String(input.uri);
  if (!uri.startsWith('file://'))
    throw invalidValue('uri', `'${uri}': Kiln imports disks from file:// URIs on the server’s machine.`);
  const source = parseImportSource(uri, 'uri');
  const format = source.format ?? (await detectFormat(source.path, 'uri'));
  if (format !== 'raw' && format !== 'qcow2')
    throw invalidValue(
      'uri',
      `${source.path} is ${format}; ImportDiskImage takes raw or qcow2 disks.`,
      'Import trees with ImportVmImage (kiln image import).',
    );
  const arn = await importAndRecord(
    deps,
    ctx,
    input,
    { path: source.path, format, member: 'uri' },
    'IMPORT_ISO',
  );
  return { requestId: ctx.requestId, clientToken: input.clientToken, imageBuildVersionArn: arn };
};

export const IMPORT_HANDLERS: Record<string, Handler> = {
  ImportVmImage: importVmImage,
  ImportDiskImage: importDiskImage,
};

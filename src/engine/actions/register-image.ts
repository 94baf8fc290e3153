/**
 * RegisterImage (api.md §8.3). EC2 registers an AMI from snapshots; Kiln's CreateImage has
 * already made the image (layers, OCI archive, disks), so RegisterImage registers that image
 * as an AMI record of the build's region, under the same ami- id, and records the EC2
 * attributes on it and on the image (`kilnImageAttributes`). The attributes describe what the
 * image is, so they are checked against what Kiln made instead of being taken on trust: the
 * host's architecture, HVM, a legacy-BIOS disk (MBR + syslinux), no TPM, no UEFI variables.
 */
import type { ActionHandler } from '../../workflows/runner.js';
import { type BuildContext, logLine } from '../context.js';
import { registerCapturedImage } from './ami-records.js';

const HOST_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'arm64', ia32: 'i386' };
const ARCHITECTURES = ['i386', 'x86_64', 'arm64', 'x86_64_mac', 'arm64_mac'];
const BOOT_MODES = ['legacy-bios', 'uefi', 'uefi-preferred'];
const KNOWN = [
  'imageId',
  'architecture',
  'bootMode',
  'virtualizationType',
  'rootDeviceName',
  'blockDeviceMapping',
  'includeSnapshotTags',
  'tpmSupport',
  'uefiData',
  'imdsSupport',
];

export interface RegisterImageInputs {
  /** The image to register: this build's captured image (CreateImage's `imageId`). */
  readonly imageId?: string;
  readonly attributes: Readonly<{
    architecture: string;
    bootMode: string;
    virtualizationType: 'hvm';
    rootDeviceName?: string;
    blockDeviceMapping?: readonly Readonly<Record<string, unknown>>[];
    includeSnapshotTags?: boolean;
  }>;
}

const fail = (field: string, problem: string): never => {
  throw new Error(`RegisterImage input '${field}' ${problem}`);
};

/** Validates RegisterImage's inputs (pure); `hostArch` is Node's `process.arch`. */
export function checkRegisterImageInputs(
  inputs: Readonly<Record<string, unknown>>,
  hostArch: string = process.arch,
): RegisterImageInputs {
  const unknown = Object.keys(inputs).find((k) => !KNOWN.includes(k));
  if (unknown) fail(unknown, `is not an input of RegisterImage (known: ${KNOWN.join(', ')}).`);
  const own = HOST_ARCH[hostArch] ?? hostArch;
  const architecture = inputs.architecture ?? own;
  if (typeof architecture !== 'string' || !ARCHITECTURES.includes(architecture))
    fail('architecture', `'${String(architecture)}' is not one of ${ARCHITECTURES.join(', ')}.`);
  if (architecture !== own)
    fail(
      'architecture',
      `'${String(architecture)}' does not match the image: Kiln builds ${own} images on this host.`,
    );
  const bootMode = inputs.bootMode ?? 'legacy-bios';
  if (typeof bootMode !== 'string' || !BOOT_MODES.includes(bootMode))
    fail('bootMode', `'${String(bootMode)}' is not one of ${BOOT_MODES.join(', ')}.`);
  if (bootMode === 'uefi')
    fail('bootMode', "'uefi' does not match the image: its disk boots with legacy BIOS (MBR + syslinux).");
  const virtualizationType = inputs.virtualizationType ?? 'hvm';
  if (virtualizationType !== 'hvm')
    fail(
      'virtualizationType',
      `'${String(virtualizationType)}': Kiln images boot in full virtualization (hvm).`,
    );
  if (inputs.tpmSupport !== undefined)
    fail('tpmSupport', 'needs UEFI boot; Kiln disks boot with legacy BIOS and have no TPM.');
  if (inputs.uefiData !== undefined) fail('uefiData', 'needs UEFI boot; Kiln disks boot with legacy BIOS.');
  if (inputs.imdsSupport !== undefined)
    fail('imdsSupport', 'Kiln instances have no instance metadata service to configure.');
  const root = inputs.rootDeviceName;
  if (root !== undefined && (typeof root !== 'string' || !/^\/dev\/[a-z0-9]+$/.test(root)))
    fail('rootDeviceName', `'${String(root)}' is not a device name like /dev/xvda.`);
  const mapping = inputs.blockDeviceMapping;
  if (mapping !== undefined) {
    if (!Array.isArray(mapping)) fail('blockDeviceMapping', 'must be a list of {deviceName, ebs}.');
    for (const [i, m] of (mapping as unknown[]).entries())
      if (
        typeof m !== 'object' ||
        m === null ||
        typeof (m as { deviceName?: unknown }).deviceName !== 'string'
      )
        fail(`blockDeviceMapping[${i}]`, 'needs a deviceName.');
  }
  const tags = inputs.includeSnapshotTags;
  if (tags !== undefined && typeof tags !== 'boolean') fail('includeSnapshotTags', 'must be true or false.');
  const imageId = inputs.imageId;
  if (imageId !== undefined && (typeof imageId !== 'string' || !/^ami-[0-9a-f]{8,17}$/.test(imageId)))
    fail('imageId', `'${String(imageId)}' is not an ami- id (e.g. $.stepOutputs.CreateOutputAMI.imageId).`);
  return Object.freeze({
    ...(imageId === undefined ? {} : { imageId: imageId as string }),
    attributes: Object.freeze({
      architecture: architecture as string,
      bootMode: bootMode as string,
      virtualizationType: 'hvm' as const,
      ...(root === undefined ? {} : { rootDeviceName: root as string }),
      ...(mapping === undefined ? {} : { blockDeviceMapping: mapping as Record<string, unknown>[] }),
      ...(tags === undefined ? {} : { includeSnapshotTags: tags as boolean }),
    }),
  });
}

export function registerImageAction(ctx: BuildContext): ActionHandler {
  return {
    async run(raw, actx) {
      const inputs = checkRegisterImageInputs(raw);
      const captured = ctx.captured;
      if (!captured) throw new Error('RegisterImage needs an image: run CreateImage before it.');
      if (inputs.imageId !== undefined && inputs.imageId !== captured.imageId)
        throw new Error(
          `RegisterImage input 'imageId' ${inputs.imageId} is not this build's image (${captured.imageId}); Kiln registers the image the build captured.`,
        );
      const region = ctx.request.region;
      const imageId = await registerCapturedImage(
        ctx,
        region,
        { attributes: inputs.attributes },
        actx.signal,
      );
      await ctx.emit({ kind: 'image', members: { kilnImageAttributes: inputs.attributes } });
      await logLine(
        ctx,
        actx.stepName,
        `registered ${imageId} in ${region} (${inputs.attributes.architecture}, ${inputs.attributes.bootMode})`,
      );
      return { imageId };
    },
  };
}

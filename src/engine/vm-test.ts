/**
 * Boot tests: an image whose tree has a kernel gets a bootable disk at CreateImage, and when the
 * infrastructure configuration names a QEMU instance type (`kiln.vm.*`) the TEST stage boots
 * that disk in a fresh VM (a copy-on-write overlay: the image's disk is never written) and runs
 * the components' `test` phases there. Builds stay in bwrap sandboxes.
 *
 * In the VM, AWSTOE file modules go through the agent-backed InstanceFs (commands in the
 * guest), and Reboot / exit 194 reboot the guest for real. The AWSTOE run itself, with its
 * reboot state, stays on the host, so nothing about a run has to survive inside the guest.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceType } from '../core/instance-types.js';
import { writeFileAtomic } from '../host/fs.js';
import { pickKernel } from '../images/boot-layout.js';
import { writeBootableDisk } from '../images/bootable-disk.js';
import { QemuBackend } from '../instances/qemu/backend.js';
import { type BuildContext, type BuildInstance, logLine } from './context.js';
import { cachedExport, linkTree } from './export-cache.js';

export const BOOT_DISK_NAME = 'disk.boot.raw';
/** Bump when writeBootableDisk changes what it writes for the same tree. */
const BOOT_DISK_FORMAT = 1;
/** How to get a kernel into an image, for messages. */
const KERNEL_HINT = 'install linux-image-amd64 in a build component to boot-test';

/** True when the instance tree has a kernel and initrd a bootable disk can boot. */
async function hasKernel(rootDir: string): Promise<boolean> {
  return pickKernel(await readdir(join(rootDir, 'boot')).catch(() => [] as string[])) !== undefined;
}

/**
 * After capture: writes the image's bootable disk (made once per manifest and size, like the
 * other disks) into the image directory and lists it in the image's artifacts as `bootableDisk`.
 * Nothing happens for container images, images without disks, or trees without a kernel.
 */
export async function addBootableDisk(
  ctx: BuildContext,
  entry: BuildInstance,
  signal: AbortSignal,
): Promise<void> {
  const captured = ctx.captured;
  const sizeGiB = captured?.outputs.volumeSizeGiB;
  if (!captured || ctx.isContainer || typeof sizeGiB !== 'number') return;
  const rootDir = entry.instance.rootDir;
  if (!(await hasKernel(rootDir))) {
    await logLine(ctx, 'CreateImage', `no kernel in /boot, so no bootable disk (${KERNEL_HINT})`);
    return;
  }
  const key = createHash('sha256')
    .update(`v${BOOT_DISK_FORMAT}\n${captured.oci.manifestDigest}\n${sizeGiB}`)
    .digest('hex')
    .slice(0, 32);
  const started = performance.now();
  let bytes: number | undefined;
  const set = await cachedExport(join(ctx.paths.cacheDir, 'boot-disks'), key, async (dir) => {
    const disk = await writeBootableDisk(rootDir, join(dir, BOOT_DISK_NAME), { sizeGiB, signal });
    bytes = disk.bytesWritten;
    await logLine(ctx, 'CreateImage', `bootable disk written: kernel ${disk.kernelVersion}`);
  });
  if (set.cached)
    await logLine(ctx, 'CreateImage', `cached: bootable disk of ${captured.oci.manifestDigest} reused`);
  const ms = Math.round(performance.now() - started);
  ctx.timings['export-bootable-disk'] = bytes === undefined ? { ms } : { ms, bytes };
  await ctx.emit({
    kind: 'timing',
    stage: 'export-bootable-disk',
    ms,
    ...(bytes === undefined ? {} : { bytes }),
  });
  const path = join(captured.dir, BOOT_DISK_NAME);
  const partial = `${path}.partial`;
  await rm(partial, { force: true });
  await linkTree(join(set.dir, BOOT_DISK_NAME), partial, signal);
  await rename(partial, path);
  const outputs = { ...captured.outputs, bootableDisk: path };
  const recordFile = join(captured.dir, 'image.json');
  const record = JSON.parse(await readFile(recordFile, 'utf8')) as Record<string, unknown>;
  await writeFileAtomic(recordFile, JSON.stringify({ ...record, bootableDisk: path }, null, 2));
  ctx.captured = { ...captured, outputs };
  await ctx.emit({ kind: 'image', members: { kilnArtifacts: outputs } });
}

/**
 * The TEST stage's instance for a boot test: a QEMU VM of `type` booted from the captured
 * image's bootable disk. Fails with what to do when the image has no kernel.
 */
export async function launchVmTestInstance(ctx: BuildContext, type: InstanceType): Promise<BuildInstance> {
  const disk = ctx.captured?.outputs.bootableDisk;
  if (typeof disk !== 'string') {
    throw new Error(
      `instanceTypes names ${type.name}, so the image is tested by booting it, and it has no kernel ` +
        `(no /boot/vmlinuz-* with its initrd): ${KERNEL_HINT}, or name only sandbox instance types`,
    );
  }
  await logLine(ctx, 'LaunchInstance', `booting the image in a QEMU VM (${type.name}) from ${disk}`);
  const instance = await new QemuBackend({ stateDir: ctx.paths.instanceStateDir }).launch({
    lowerDirs: [],
    disk,
    network: ctx.infra.network,
    instanceType: type,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  });
  await ctx.emit({ kind: 'timing', stage: 'vm-boot', ms: instance.bootMs });
  await logLine(ctx, 'LaunchInstance', `VM ${instance.id} booted in ${instance.bootMs} ms`);
  const entry: BuildInstance = { id: instance.id, instance, lowerDirs: [], purpose: 'TEST' };
  ctx.instances.set(entry.id, entry);
  return entry;
}

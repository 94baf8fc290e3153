/**
 * The distribution targets that need more than the engine's own code, bound to this server:
 * AMI copies into registry-backed region stores, disk exports (s3ExportConfiguration) and
 * launch-template versions (launchTemplateConfigurations).
 */
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { pushAmiCopy } from '../distribution/registry-copy.js';
import { checkS3ExportConfiguration, exportDiskImage } from '../distribution/s3-export.js';
import type { AddLaunchTemplateVersion, CopyToRegistry, ExportDisk } from '../engine/distribute.js';
import { launchTemplateHooks } from '../launch-templates/library.js';
import type { Store } from '../store/store.js';

export interface DistributionHooks {
  readonly copyToRegistry: CopyToRegistry;
  readonly exportDisk: ExportDisk;
  readonly addLaunchTemplateVersion: AddLaunchTemplateVersion;
}

export function distributionHooks(config: Config, store: Store, clock: Clock): DistributionHooks {
  return {
    async copyToRegistry({ store: registry, record, imageDir, signal }) {
      await pushAmiCopy({
        store: registry,
        amiId: record.image,
        layoutDir: join(imageDir, 'oci'),
        layoutTag: 'latest',
        signal,
      });
    },
    async exportDisk({ region, store: regionStore, record, format, s3Bucket, s3Prefix, imageDir, signal }) {
      // A registry region keeps its exports on this machine, beside its AMI records.
      const storeDir =
        regionStore.type === 'directory' ? regionStore.path : join(config.dataDir, 'regions', region);
      const exported = await exportDiskImage({
        rawDisk: join(imageDir, 'disk.raw'),
        storeDir,
        amiId: record.image,
        // Kiln has no IAM: the role is not used, but the member is required by the model.
        configuration: checkS3ExportConfiguration({
          roleName: 'kiln',
          diskImageFormat: format,
          s3Bucket,
          ...(s3Prefix === undefined ? {} : { s3Prefix }),
        }),
        signal,
      });
      return { format: exported.format, path: exported.key };
    },
    addLaunchTemplateVersion: launchTemplateHooks(store, clock).addLaunchTemplateVersion,
  };
}

import { appendFileSpec } from './append-file.js';
import { assertSpec } from './assert.js';
import { copyFileSpec } from './copy-file.js';
import { copyFolderSpec } from './copy-folder.js';
import { createFileSpec } from './create-file.js';
import { createFolderSpec } from './create-folder.js';
import { createSymlinkSpec } from './create-symlink.js';
import { deleteFileSpec } from './delete-file.js';
import { deleteFolderSpec } from './delete-folder.js';
import { executeBashSpec } from './execute-bash.js';
import { executeBinarySpec } from './execute-binary.js';
import { executeDocumentSpec } from './execute-document.js';
import { executePowerShellSpec } from './execute-powershell.js';
import { installMsiSpec } from './install-msi.js';
import { listFilesSpec } from './list-files.js';
import { moveFileSpec } from './move-file.js';
import { moveFolderSpec } from './move-folder.js';
import { readFileSpec } from './read-file.js';
import { rebootSpec } from './reboot.js';
import { s3DownloadSpec } from './s3-download.js';
import { s3UploadSpec } from './s3-upload.js';
import { setFileEncodingSpec } from './set-file-encoding.js';
import { setFileOwnerSpec } from './set-file-owner.js';
import { setFilePermissionsSpec } from './set-file-permissions.js';
import { setFolderOwnerSpec } from './set-folder-owner.js';
import { setFolderPermissionsSpec } from './set-folder-permissions.js';
import { setRegistrySpec } from './set-registry.js';
import type { ActionSpec } from './spec.js';
import { uninstallMsiSpec } from './uninstall-msi.js';
import { updateOsSpec } from './update-os.js';
import { webDownloadSpec } from './web-download.js';

export type { ActionSpec, FieldSpec, FieldType, ItemCheck } from './spec.js';
export { ENCODINGS } from './spec.js';

/** Every AWSTOE action module Kiln knows, by its case-sensitive name. */
export const ACTION_SPECS: ReadonlyMap<string, ActionSpec> = new Map(
  [
    executeBashSpec,
    executePowerShellSpec,
    executeBinarySpec,
    executeDocumentSpec,
    assertSpec,
    s3DownloadSpec,
    s3UploadSpec,
    webDownloadSpec,
    appendFileSpec,
    copyFileSpec,
    copyFolderSpec,
    createFileSpec,
    createFolderSpec,
    createSymlinkSpec,
    deleteFileSpec,
    deleteFolderSpec,
    listFilesSpec,
    moveFileSpec,
    moveFolderSpec,
    readFileSpec,
    setFileEncodingSpec,
    setFileOwnerSpec,
    setFolderOwnerSpec,
    setFilePermissionsSpec,
    setFolderPermissionsSpec,
    installMsiSpec,
    uninstallMsiSpec,
    rebootSpec,
    setRegistrySpec,
    updateOsSpec,
  ].map((spec) => [spec.name, spec]),
);

export function actionSpec(name: string): ActionSpec | undefined {
  return ACTION_SPECS.get(name);
}

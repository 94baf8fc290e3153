export type FsErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'ELOOP'
  | 'EINVAL'
  /** A path inside /proc, /dev or /sys: not reachable from the host side. */
  | 'EUNREACHABLE'
  /** A user or group name the instance's /etc/passwd or /etc/group does not know. */
  | 'ENOACCOUNT';

/**
 * An expected file-system failure, phrased for the user with the instance path (never a host
 * path), e.g. `/etc/x does not exist`. Modules turn it into a failed step; anything else thrown
 * by an InstanceFs is a fault of Kiln or of the host.
 */
export class InstanceFsError extends Error {
  constructor(
    readonly code: FsErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'InstanceFsError';
  }
}

/** Shorthands for the common failures, phrased once. */
export const fsErrors = {
  missing: (path: string) => new InstanceFsError('ENOENT', path, `${path} does not exist`),
  exists: (path: string) => new InstanceFsError('EEXIST', path, `${path} already exists`),
  notDir: (path: string) => new InstanceFsError('ENOTDIR', path, `${path} is not a folder`),
  isDir: (path: string) => new InstanceFsError('EISDIR', path, `${path} is a folder`),
  notEmpty: (path: string) => new InstanceFsError('ENOTEMPTY', path, `${path} is not empty`),
};

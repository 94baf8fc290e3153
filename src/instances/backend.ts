import type { InstanceType } from '../core/instance-types.js';
import type { ProcessResult } from '../host/process.js';

/** A host directory made visible inside an instance. */
export interface BindMount {
  src: string;
  dest: string;
  readOnly: boolean;
}

/** What an instance is made from. */
export interface LaunchSpec {
  /** Read-only layers of the root tree, top first; never written to. */
  lowerDirs: string[];
  /** 'host' shares the host's network (and its /etc/resolv.conf); 'none' leaves only loopback. */
  network: 'host' | 'none';
  /** Default: the instance id. */
  hostname?: string;
  /** Environment of every exec, below each exec's own `env`. */
  env?: Record<string, string>;
  binds?: BindMount[];
  /** Working directory of every exec unless the exec names one; default `/`. */
  workDir?: string;
  /**
   * A bootable disk image (raw or qcow2, from `writeBootableDisk`) for backends that boot a
   * machine (qemu), which require it and ignore `lowerDirs`. Never written to: the instance
   * boots a copy-on-write overlay of it.
   */
  disk?: string;
  /**
   * CPU and memory of the instance. bwrap: its own cgroup with those limits (launch fails,
   * naming what is missing, where cgroups cannot be used); without it, no limits. qemu: the
   * VM's size. Default: the backend's own.
   */
  instanceType?: InstanceType;
}

export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  input?: string | Buffer;
  signal?: AbortSignal;
  timeoutMs?: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

/** The outcome of one command; a non-zero exit is a result, not an error. */
export type ExecResult = ProcessResult;

/**
 * A running instance: a root tree made of read-only layers plus a private writable layer.
 *
 * Contract:
 * - `exec` runs one command as root inside the instance and resolves when it and every process
 *   it started have ended (background processes do not outlive the exec). File changes persist
 *   across execs of the same instance; `/tmp` and `/run` are private to the instance and are not
 *   part of `upperDir`.
 * - Aborting an exec's signal or reaching its timeout kills all its processes; the result then
 *   has `aborted` or `timedOut` set.
 * - `rootDir` shows the merged tree on the host while the instance runs (read files after a run
 *   there); `upperDir` holds exactly the instance's changes (overlayfs semantics: whiteouts are
 *   character devices 0/0, opaque directories carry the `trusted.overlay.opaque` xattr).
 *   Mount points the backend creates for binds may appear in `upperDir` as empty files/dirs.
 * - `stop` kills every process of the instance, unmounts everything and removes the scratch
 *   directories, `upperDir` included: copy what you need first. It is idempotent, never leaves a
 *   mount behind, and `exec` after `stop` rejects.
 */
export interface Instance {
  readonly id: string;
  readonly rootDir: string;
  readonly upperDir: string;
  exec(argv: string[], options?: ExecOptions): Promise<ExecResult>;
  /**
   * Reboots the instance for real (the guest kernel restarts; file changes on its disk persist)
   * and resolves when it accepts commands again. Running execs are killed first. Only backends
   * that boot a machine have it (an `ec2:RebootInstances` step needs one of those).
   */
  reboot?(options?: { signal?: AbortSignal }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Makes instances. Contract: `launch` either returns a running instance or throws having left
 * nothing behind (no mount, no scratch directory, no registry entry). The lower layers are
 * never modified. A backend records each instance where a later process can find it, so that
 * instances of a crashed process can be cleaned up.
 */
export interface InstanceBackend {
  readonly name: string;
  launch(spec: LaunchSpec): Promise<Instance>;
}

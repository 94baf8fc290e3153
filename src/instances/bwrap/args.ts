import type { BindMount } from '../backend.js';

/** Everything one bwrap invocation of an instance depends on (pure input of bwrapArgs). */
export interface SandboxLayout {
  /** The overlay's merged view on the host, bound as the sandbox's `/`. */
  mergedDir: string;
  /** Instance-private host directories for /tmp and /run (outside the overlay's upper layer). */
  tmpDir: string;
  runDir: string;
  network: 'host' | 'none';
  hostname: string;
  binds: readonly BindMount[];
  /** Host resolv.conf to show at /etc/resolv.conf (network 'host' only). */
  resolvConf?: string;
  /** Keep every capability (we run as root, and steps expect a root shell as on EC2). */
  privileged: boolean;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The bwrap argv for one command. Own mount, PID, UTS and IPC namespaces; with
 * --die-with-parent and the PID namespace, the sandbox's PID 1 takes every process down with it.
 */
export function bwrapArgs(layout: SandboxLayout, cwd: string, argv: readonly string[]): string[] {
  const args = [
    '--bind',
    layout.mergedDir,
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--bind',
    layout.tmpDir,
    '/tmp',
    '--bind',
    layout.runDir,
    '/run',
    '--unshare-pid',
    '--unshare-uts',
    '--unshare-ipc',
    '--die-with-parent',
    '--hostname',
    layout.hostname,
  ];
  if (layout.network === 'none') args.push('--unshare-net');
  else if (layout.resolvConf) args.push('--ro-bind', layout.resolvConf, '/etc/resolv.conf');
  for (const bind of layout.binds) args.push(bind.readOnly ? '--ro-bind' : '--bind', bind.src, bind.dest);
  if (layout.privileged) args.push('--cap-add', 'ALL');
  args.push('--chdir', cwd, '--', ...argv);
  return args;
}

/** The environment of a command: a clean base, then the instance's, then the exec's. */
export function execEnv(...layers: (Record<string, string> | undefined)[]): Record<string, string> {
  return Object.assign({ PATH: DEFAULT_PATH, HOME: '/root', LANG: 'C.UTF-8' }, ...layers);
}

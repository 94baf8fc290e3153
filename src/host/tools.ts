import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '../core/errors.js';

/** A host program Kiln needs is not installed. */
export class MissingToolError extends KilnError {
  constructor(
    readonly tool: string,
    readonly debianPackage: string,
  ) {
    super('ServiceException', `${tool} not found: install the Debian package ${debianPackage} (make deps)`);
  }
}

// sbin directories are searched too: a non-root PATH often lacks them, yet mount and friends live there.
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
const found = new Map<string, string>();

/** The absolute path of a host program, or MissingToolError naming the Debian package to install. */
export function requireTool(name: string, debianPackage: string): string {
  const cached = found.get(name);
  if (cached) return cached;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found.set(name, candidate);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new MissingToolError(name, debianPackage);
}

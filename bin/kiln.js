#!/usr/bin/env node
// Composition root for the `kiln` command. Runs the compiled build (make build); a checkout
// without one (or KILN_FROM_SOURCE=1) runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (process.env.KILN_FROM_SOURCE === '1' || !existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import(compiled.href);
}

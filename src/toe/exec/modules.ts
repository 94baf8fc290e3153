import { CORE_MODULES } from './core-modules.js';
import type { ExecuteModule } from './module.js';
import { FILE_MODULES } from './modules-files.js';
import { NETWORK_MODULES } from './modules-net.js';

type ModuleTable = Readonly<Record<string, ExecuteModule>> | ReadonlyMap<string, ExecuteModule>;

const entries = (table: ModuleTable): [string, ExecuteModule][] =>
  table instanceof Map ? [...table.entries()] : Object.entries(table);

/**
 * Every module Kiln runs on Linux instances, by action name (ExecuteDocument is added by the
 * engine per run). Windows-only actions are absent: the engine fails such a step with a clear
 * message (validation for Linux already rejects them).
 */
export const MODULES: Readonly<Record<string, ExecuteModule>> = Object.freeze(
  Object.fromEntries([...entries(CORE_MODULES), ...entries(FILE_MODULES), ...entries(NETWORK_MODULES)]),
);

import { executeBash, executeBinary } from './mod-commands.js';
import { assertModule, rebootModule, updateOsModule } from './mod-system.js';
import type { ExecuteModule } from './module.js';

/**
 * The general-execution and system modules. ExecuteDocument is not here: it needs the running
 * engine (nesting, cycles), so the engine adds it per run with executeDocumentModule.
 */
export const CORE_MODULES: Readonly<Record<string, ExecuteModule>> = {
  ExecuteBash: executeBash,
  ExecuteBinary: executeBinary,
  Assert: assertModule,
  Reboot: rebootModule,
  UpdateOS: updateOsModule,
};

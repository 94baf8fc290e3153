/** The in-process worker that runs image executions from the queue. */
export type { ExecutionEngine, EngineMaintenance } from './engine-hooks.js';
export { isLeaseDead, pickClaims, recoveryFor } from './decide.js';
export { noEngine, NO_ENGINE_REASON } from './no-engine.js';
export { recoverDeadLeases } from './recovery.js';
export { buildRequestOf } from './run.js';
export { SHUTDOWN, Worker, type WorkerOptions } from './worker.js';

/**
 * What the worker may ask of a build engine beyond ImageBuildEngine.start. All optional: an
 * engine without them gets the safe behaviour (interrupted builds fail, artifacts stay).
 */
import type { BuildStatus, ImageBuildEngine, ImageBuildRequest } from '../engine/image-build.js';

export interface EngineMaintenance {
  /**
   * Crash recovery: whether a build whose server died while the image was `interruptedAt` can
   * continue. If so the worker starts it again with `resumeFromStage` set to that stage (the
   * layer cache makes the finished steps cheap); otherwise the image ends FAILED with reason
   * "interrupted: the Kiln server stopped during <status>".
   */
  canResume?(request: ImageBuildRequest, interruptedAt: BuildStatus): boolean;
  /**
   * DeleteImage: remove the artifacts of a deleted image (its body as GetImage showed it) that
   * no other image uses. Called once per deleted image from the worker; must tolerate
   * artifacts that are already gone. A rejection is logged and retried on the next pass.
   */
  deleteArtifacts?(image: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<void>;
  /**
   * Server start: clean up instances, mounts and temporary files that a dead process left
   * behind (e.g. reapStaleInstances over the engine's instance state directory). Returns what
   * was cleaned, for the log.
   */
  reapStale?(): Promise<readonly string[]>;
}

export type ExecutionEngine = ImageBuildEngine & EngineMaintenance;

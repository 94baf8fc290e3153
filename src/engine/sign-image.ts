import { documentDigest } from './plan.js';
import { ensureSigningKey } from '../signing/keys.js';
import type { ResolvedDependency } from '../signing/provenance.js';
import { signImage } from '../signing/sign.js';
import type { Digest } from '../images/blob-store.js';
import { type BuildContext, logLine } from './context.js';

const hexOf = (digest: string): string => digest.replace(/^sha256:/, '');

/**
 * Signs a captured image's OCI layout in place (before it is published): a cosign-compatible
 * signature (`sha256-<hex>.sig`) and an SLSA v1 provenance statement in a DSSE envelope
 * (`.att`) naming the recipe, every component document by digest, the parent and the timings.
 * The key is the server's (`DATA_DIR/signing/cosign.key`, made on first use).
 */
export async function signCapturedImage(
  ctx: BuildContext,
  layoutDir: string,
  manifestDigest: Digest,
): Promise<void> {
  const key = await ensureSigningKey(ctx.paths.dataDir);
  const dependencies: ResolvedDependency[] = (ctx.plan?.components ?? []).map((c) => ({
    uri: c.component.arn,
    name: c.component.name,
    digest: { sha256: hexOf(documentDigest(c.component.data)) },
  }));
  if (ctx.parent) {
    // An image parent's digest is its manifest digest; a Debian tree's is its cache key.
    const d = ctx.parent.digest;
    const digest = /^(sha256:)?[0-9a-f]{64}$/.test(d) ? hexOf(d) : hexOf(documentDigest(d));
    dependencies.push({ uri: ctx.parent.resolved, name: 'parent', digest: { sha256: digest } });
  }
  const name = String(ctx.image.name ?? 'image');
  const started = typeof ctx.image.dateCreated === 'number' ? ctx.image.dateCreated : ctx.clock.now();
  await signImage({
    target: { layoutDir },
    manifestDigest,
    reference: `kiln/${ctx.request.region}/${name}`,
    key: key.privateKey,
    provenance: {
      recipe: ctx.recipe,
      parameters: { imageBuildVersionArn: ctx.request.imageArn },
      dependencies,
      invocationId: ctx.request.imageArn,
      startedOn: started,
      finishedOn: ctx.clock.now(),
      timings: ctx.timings,
    },
  });
  await logLine(ctx, 'CreateImage', `signed ${manifestDigest} with a provenance attestation`);
}

import type { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import type { Manifest } from './manifest.js';
import { type CurrentState, stateKey } from './plan.js';
import { type Kind, matchingByName, type Obj, RESOURCES } from './resources.js';

/**
 * Reads what the server holds for every resource the manifest names: the newest version (for
 * versioned kinds) as Get answers it. Listings are fetched once per kind, all pages.
 */
export async function readCurrentState(
  client: ImagebuilderClient,
  manifest: Manifest,
): Promise<CurrentState> {
  const state = new Map<string, Obj>();
  const listings = new Map<Kind, Promise<Obj[]>>();
  for (const r of manifest.resources) {
    const ops = RESOURCES[r.kind];
    let listing = listings.get(r.kind);
    if (!listing) {
      listing = ops.list(client);
      listings.set(r.kind, listing);
    }
    let matches = matchingByName(await listing, r.name);
    // Workflow names are unique per type only (build/test/distribution).
    if (r.kind === 'workflow') matches = matches.filter((m) => m.type === r.members.type);
    const newest = matches[0];
    if (!newest || typeof newest.arn !== 'string') continue;
    const answer = await ops.get(client, newest.arn);
    state.set(stateKey(r.kind, r.name), ops.resourceOf(answer));
  }
  return state;
}

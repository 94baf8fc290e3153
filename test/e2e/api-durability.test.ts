import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CreateComponentCommand,
  GetComponentCommand,
  ListComponentBuildVersionsCommand,
} from '@aws-sdk/client-imagebuilder';
import { sdkClient, startServerProcess, tempDir } from '../support/kiln-server.js';

const DOC = `schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: ['true']\n`;

describe('state survives restarts and kill -9', () => {
  it('keeps resources and credentials across a clean restart', async () => {
    const dataDir = tempDir('restart');
    const first = await startServerProcess({ dataDir });
    const created = await sdkClient(first).send(
      new CreateComponentCommand({
        name: 'kept',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'k1',
      }),
    );
    await first.stop();
    const second = await startServerProcess({ dataDir });
    assert.equal(second.accessKeyId, first.accessKeyId, 'the generated key is reused');
    const got = await sdkClient(second).send(
      new GetComponentCommand({ componentBuildVersionArn: created.componentBuildVersionArn }),
    );
    assert.equal(got.component?.name, 'kept');
    // The idempotency record survives too: the same token replays the same answer.
    const replay = await sdkClient(second).send(
      new CreateComponentCommand({
        name: 'kept',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'k1',
      }),
    );
    assert.equal(replay.componentBuildVersionArn, created.componentBuildVersionArn);
    await second.stop();
  });

  it('loses no acknowledged create when killed with SIGKILL during a burst', async () => {
    const dataDir = tempDir('kill');
    const server = await startServerProcess({ dataDir });
    const client = sdkClient(server);
    const acknowledged: string[] = [];
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await client.send(
            new CreateComponentCommand({
              name: 'burst',
              semanticVersion: `1.${w}.${i}`,
              platform: 'Linux',
              data: DOC,
              clientToken: `w${w}-${i}`,
            }),
          );
          acknowledged.push(r.componentBuildVersionArn as string);
        } catch {
          return;
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    await server.kill();
    stop = true;
    await Promise.all(writers);
    assert.ok(
      acknowledged.length > 20,
      `only ${acknowledged.length} creates were acknowledged before the kill`,
    );
    const restarted = await startServerProcess({ dataDir });
    const c2 = sdkClient(restarted);
    const stored = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await c2.send(new ListComponentBuildVersionsCommand({ nextToken }));
      for (const s of page.componentSummaryList ?? []) stored.add(s.arn as string);
      nextToken = page.nextToken;
    } while (nextToken);
    const lost = acknowledged.filter((arn) => !stored.has(arn));
    assert.deepEqual(lost, []);
    await restarted.stop();
  });
});

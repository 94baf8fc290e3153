import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { assertFailed, assertSuccess, launchTestInstance, type TestInstance } from './fs-test-support.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './net-test-cert.js';
import { urlFileName, webDownloadModule } from './net-web.js';

let t: TestInstance;
let base: string;
let secureBase: string;
const servers: (http.Server | https.Server)[] = [];
const hits = new Map<string, number>();
const HELLO = 'hello web\n';
// Tries as in AWSTOE, with a backoff of 1, 2, 4, 8 ms so the tests stay fast.
const webDownload = webDownloadModule({ tries: 5, backoffMs: 1 });

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = req.url ?? '/';
  const count = (hits.get(path) ?? 0) + 1;
  hits.set(path, count);
  const send = (status: number, body: string, headers: http.OutgoingHttpHeaders = {}) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  if (path === '/files/hello.txt' || path === '/dir/') send(200, HELLO);
  else if (path === '/files/with%20space.txt') send(200, 'spaced');
  else if (path === '/redirect/hello.txt') send(302, '', { location: '/files/hello.txt' });
  else if (path === '/chain/first.txt') send(301, '', { location: `${base}/redirect/hello.txt` });
  else if (path === '/flaky/data.bin') send(count <= 2 ? 500 : 200, count <= 2 ? 'busy' : 'recovered');
  else if (path === '/created/data.bin') send(201, 'created is not 200');
  else send(404, 'not found');
}

async function listen(server: http.Server | https.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  t = await launchTestInstance('net-web-test');
  base = `http://127.0.0.1:${await listen(http.createServer(handler))}`;
  secureBase = `https://127.0.0.1:${await listen(https.createServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, handler))}`;
});

after(async () => {
  for (const s of servers) s.close();
  await t?.stop();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('urlFileName: the decoded last path segment', () => {
  assert.equal(urlFileName('http://h/a/b.tar.gz?x=1'), 'b.tar.gz');
  assert.equal(urlFileName('http://h/a/with%20space.txt'), 'with space.txt');
  assert.equal(urlFileName('http://h/a/'), '');
});

test('downloads to files and into folders (created), following redirects; output joined with newlines', async () => {
  const outputs = assertSuccess(
    await t.run(webDownload, [
      { source: `${base}/files/hello.txt`, destination: '/opt/dl/new/deep/' },
      { source: `${base}/chain/first.txt`, destination: '/opt/dl/renamed.txt' },
      { source: `${base}/files/with%20space.txt`, destination: '/tmp/dl/' },
    ]),
  );
  assert.deepEqual(outputs, {
    destination: '/opt/dl/new/deep/hello.txt\n/opt/dl/renamed.txt\n/tmp/dl/with space.txt',
  });
  assert.equal(
    await t.sh("cat /opt/dl/new/deep/hello.txt /opt/dl/renamed.txt '/tmp/dl/with space.txt'"),
    `${HELLO}${HELLO}spaced`,
  );
  assert.equal(await t.stat('/opt/dl/renamed.txt'), '644 root root regular file');
  assert.equal(hits.get('/redirect/hello.txt'), 1);
});

test('any status but 200 fails after 5 tries; 500 then 200 succeeds on the third', async () => {
  assertFailed(
    await t.run(webDownload, [{ source: `${base}/nothing/here.txt`, destination: '/opt/dl/here.txt' }]),
    /^inputs\[0\]\.source: .*answered HTTP 404 \(gave up after 5 tries\)$/,
  );
  assert.equal(hits.get('/nothing/here.txt'), 5);
  assertFailed(
    await t.run(webDownload, [{ source: `${base}/created/data.bin`, destination: '/opt/dl/created.bin' }]),
    /answered HTTP 201/,
  );
  assert.equal(await t.sh('ls -A /opt/dl'), 'new\nrenamed.txt\n');
  assertSuccess(
    await t.run(webDownload, [{ source: `${base}/flaky/data.bin`, destination: '/opt/dl/flaky.bin' }]),
  );
  assert.equal(hits.get('/flaky/data.bin'), 3);
  assert.equal(await t.sh('cat /opt/dl/flaky.bin'), 'recovered');
});

test('checksums: verified, a mismatch leaves nothing, a matching existing file is not downloaded again', async () => {
  const md5 = createHash('md5').update(HELLO).digest('hex');
  assertSuccess(
    await t.run(webDownload, [
      {
        source: `${base}/files/hello.txt`,
        destination: '/opt/ck/a.txt',
        checksum: sha256(HELLO),
        algorithm: 'SHA256',
      },
      {
        source: `${base}/files/hello.txt`,
        destination: '/opt/ck/b.txt',
        checksum: md5.toUpperCase(),
        algorithm: 'md5',
      },
    ]),
  );
  assertFailed(
    await t.run(webDownload, [
      {
        source: `${base}/files/hello.txt`,
        destination: '/opt/ck/c.txt',
        checksum: sha256('other'),
        algorithm: 'SHA256',
      },
    ]),
    /^inputs\[0\]\.source: checksum mismatch: sha256 of .* is [0-9a-f]{64}, expected [0-9a-f]{64} \(gave up after 5 tries\)$/,
  );
  assert.equal(await t.sh('ls -A /opt/ck'), 'a.txt\nb.txt\n');
  const before = hits.get('/files/hello.txt');
  const sha512 = createHash('sha512').update(HELLO).digest('hex');
  assertSuccess(
    await t.run(webDownload, [
      {
        source: `${base}/files/hello.txt`,
        destination: '/opt/ck/a.txt',
        checksum: sha512,
        algorithm: 'SHA512',
      },
    ]),
  );
  assert.equal(hits.get('/files/hello.txt'), before);
  await t.sh('echo stale > /opt/ck/a.txt');
  const sha1 = createHash('sha1').update(HELLO).digest('hex');
  assertSuccess(
    await t.run(webDownload, [
      { source: `${base}/files/hello.txt`, destination: '/opt/ck/a.txt', checksum: sha1, algorithm: 'SHA1' },
    ]),
  );
  assert.equal(await t.sh('cat /opt/ck/a.txt'), HELLO);
});

test('overwrite=false with an existing file fails before downloading; bad inputs fail', async () => {
  const before = hits.get('/files/hello.txt');
  assertFailed(
    await t.run(webDownload, [
      { source: `${base}/files/hello.txt`, destination: '/opt/ck/a.txt', overwrite: false },
    ]),
    /^inputs\[0\]\.destination: \/opt\/ck\/a\.txt already exists and overwrite is false$/,
  );
  assert.equal(hits.get('/files/hello.txt'), before);
  assertFailed(
    await t.run(webDownload, [{ source: `${base}/dir/`, destination: '/opt/x/' }]),
    /names no file/,
  );
  assertFailed(
    await t.run(webDownload, [{ source: 'ftp://h/x', destination: '/opt/x' }]),
    /^inputs\[0\]\.source: must be an http/,
  );
  assertFailed(
    await t.run(webDownload, [{ source: `${base}/files/hello.txt`, destination: '/opt/x', checksum: 'abc' }]),
    /^inputs\[0\]\.checksum: 'checksum' needs 'algorithm' too/,
  );
});

test('https: a self-signed certificate fails unless ignoreCertificateErrors', async () => {
  assertFailed(
    await t.run(webDownloadModule({ tries: 1 }), [
      { source: `${secureBase}/files/hello.txt`, destination: '/opt/tls/a.txt' },
    ]),
    /self[- ]signed certificate/,
  );
  assertSuccess(
    await t.run(webDownload, [
      {
        source: `${secureBase}/files/hello.txt`,
        destination: '/opt/tls/a.txt',
        ignoreCertificateErrors: true,
      },
    ]),
  );
  assert.equal(await t.sh('cat /opt/tls/a.txt'), HELLO);
});

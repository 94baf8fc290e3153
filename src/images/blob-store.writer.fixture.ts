// Test helper for blob-store.test.ts: puts an endless blob until it is killed.
import { Readable } from 'node:stream';
import { DirectoryBlobStore } from './blob-store.js';

const store = new DirectoryBlobStore(process.argv[2]!);
const endless = new Readable({
  read() {
    setTimeout(() => this.push(Buffer.alloc(4096, 1)), 5);
  },
});
await store.put(endless);

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testBlobStorePort, readAll } from '../testing/blob-store-contract.ts';
import { FsBlobStore } from './fs-blob-store.ts';

testBlobStorePort('filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'poc-blobs-'));
  return { store: new FsBlobStore({ root }), teardown: () => rm(root, { recursive: true, force: true }) };
});

describe('FsBlobStore on disk', () => {
  it('keeps each tenant under its own directory and leaves no temporary file behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'poc-blobs-'));
    const store = new FsBlobStore({ root });
    const tenant = randomUUID();
    await store.put(tenant, 'a/b.txt', Buffer.from('x'), { contentType: 'text/plain' });
    expect(await readdir(join(root, 'tenants', tenant, 'a'))).toEqual(['b.txt']);
    expect(await readdir(join(root, '.tmp'))).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });

  it('a reader that opened a blob keeps reading the old bytes while it is overwritten', async () => {
    const root = await mkdtemp(join(tmpdir(), 'poc-blobs-'));
    const store = new FsBlobStore({ root });
    const tenant = randomUUID();
    const old = Buffer.alloc(256 * 1024, 1);
    await store.put(tenant, 'v.mp4', old, { contentType: 'video/mp4' });
    const reading = await store.get(tenant, 'v.mp4');
    await store.put(tenant, 'v.mp4', Buffer.alloc(1000, 2), { contentType: 'video/mp4' });
    expect(await readAll(reading!.body)).toEqual(old);
    await rm(root, { recursive: true, force: true });
  });
});

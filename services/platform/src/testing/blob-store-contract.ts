import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../ports/blob-store.ts';

export interface BlobStoreFixture {
  store: BlobStore;
  teardown(): Promise<void>;
}

export interface BlobStoreContractOptions {
  /** Size of the "large" streamed upload; pick one above the adapter's multipart threshold. */
  largeBytes?: number;
  /** The adapter hands out URLs a plain HTTP client can GET (S3). */
  signedUrls?: boolean;
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** A stream of `total` bytes in uneven chunks (the way a request body arrives). */
function chunked(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      let offset = 0;
      let size = 1000;
      while (offset < data.length) {
        yield data.subarray(offset, offset + size);
        offset += size;
        size = size === 1000 ? 65_537 : size * 2 > 1_048_576 ? 1000 : size * 2;
      }
    })(),
  );
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Keys that must never reach storage: each tries to leave the tenant's prefix or is not a plain relative path. */
export const HOSTILE_BLOB_KEYS = [
  '../x',
  '../../tenants/other/x',
  'a/../../b',
  'a/./b',
  './a',
  '/etc/passwd',
  'a//b',
  'a/',
  '',
  '.hidden',
  '..',
  'a\\..\\b',
  '%2e%2e/x',
  'a/b\u0000c',
  'x'.repeat(200),
];

/** The contract every BlobStore adapter passes. */
export function testBlobStorePort(name: string, factory: () => Promise<BlobStoreFixture>, options: BlobStoreContractOptions = {}): void {
  const largeBytes = options.largeBytes ?? 3 * 1024 * 1024 + 17;
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    beforeAll(async () => {
      fixture = await factory();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    it('stores a buffer and gives the same bytes, size and content type back', async () => {
      const tenant = randomUUID();
      const data = Buffer.from('name,year\nkata,2026\n', 'utf8');
      const info = await fixture.store.put(tenant, 'reports/2026/pocs.csv', data, { contentType: 'text/csv' });
      expect(info).toMatchObject({ key: 'reports/2026/pocs.csv', size: data.length, contentType: 'text/csv' });
      const got = await fixture.store.get(tenant, 'reports/2026/pocs.csv');
      expect(got?.info).toMatchObject({ size: data.length, contentType: 'text/csv' });
      expect(await readAll(got!.body)).toEqual(data);
      const head = await fixture.store.head(tenant, 'reports/2026/pocs.csv');
      expect(head?.size).toBe(data.length);
      expect(head?.lastModified).toBeInstanceOf(Date);
    });

    it(`streams a large upload (${largeBytes} bytes) in and out unchanged`, async () => {
      const tenant = randomUUID();
      const data = randomBytes(largeBytes);
      const info = await fixture.store.put(tenant, 'videos/2026/u1.mp4', chunked(data), { contentType: 'video/mp4' });
      expect(info.size).toBe(largeBytes);
      const got = await fixture.store.get(tenant, 'videos/2026/u1.mp4');
      const back = await readAll(got!.body);
      expect(back.length).toBe(largeBytes);
      expect(sha(back)).toBe(sha(data));
    });

    it('reads byte ranges, inclusive, clamped at the end', async () => {
      const tenant = randomUUID();
      const data = randomBytes(10_000);
      await fixture.store.put(tenant, 'v.mp4', data, { contentType: 'video/mp4' });
      const first = await fixture.store.get(tenant, 'v.mp4', { start: 0, end: 1023 });
      expect(await readAll(first!.body)).toEqual(data.subarray(0, 1024));
      expect(first!.info.size).toBe(10_000);
      const middle = await fixture.store.get(tenant, 'v.mp4', { start: 5000, end: 5000 });
      expect(await readAll(middle!.body)).toEqual(data.subarray(5000, 5001));
      const tail = await fixture.store.get(tenant, 'v.mp4', { start: 9990, end: 20_000 });
      expect(await readAll(tail!.body)).toEqual(data.subarray(9990));
      await expect(fixture.store.get(tenant, 'v.mp4', { start: 10_000, end: 10_010 })).rejects.toThrow();
    });

    it('an absent blob is null; deleting it is not an error', async () => {
      const tenant = randomUUID();
      expect(await fixture.store.get(tenant, 'nope.bin')).toBeNull();
      expect(await fixture.store.head(tenant, 'nope.bin')).toBeNull();
      await fixture.store.delete(tenant, 'nope.bin');
    });

    it('overwrites and deletes', async () => {
      const tenant = randomUUID();
      await fixture.store.put(tenant, 'a.txt', Buffer.from('one'), { contentType: 'text/plain' });
      await fixture.store.put(tenant, 'a.txt', Buffer.from('second'), { contentType: 'text/markdown' });
      const got = await fixture.store.get(tenant, 'a.txt');
      expect((await readAll(got!.body)).toString()).toBe('second');
      expect(got!.info.contentType).toBe('text/markdown');
      await fixture.store.delete(tenant, 'a.txt');
      expect(await fixture.store.head(tenant, 'a.txt')).toBeNull();
    });

    it('an upload that fails half-way leaves the previous blob whole and no new one', async () => {
      const tenant = randomUUID();
      await fixture.store.put(tenant, 'r.pdf', Buffer.from('version one'), { contentType: 'application/pdf' });
      const failing = Readable.from(
        (async function* () {
          yield randomBytes(64 * 1024);
          throw new Error('client went away');
        })(),
      );
      await expect(fixture.store.put(tenant, 'r.pdf', failing, { contentType: 'application/pdf' })).rejects.toThrow();
      const got = await fixture.store.get(tenant, 'r.pdf');
      expect((await readAll(got!.body)).toString()).toBe('version one');
      const failingNew = Readable.from(
        (async function* () {
          yield randomBytes(1024);
          throw new Error('client went away');
        })(),
      );
      await expect(fixture.store.put(tenant, 'never.pdf', failingNew, { contentType: 'application/pdf' })).rejects.toThrow();
      expect(await fixture.store.head(tenant, 'never.pdf')).toBeNull();
    });

    it("tenant B's calls can never read, list, overwrite or delete tenant A's blob", async () => {
      const a = randomUUID();
      const b = randomUUID();
      await fixture.store.put(a, 'secret/plan.txt', Buffer.from('A only'), { contentType: 'text/plain' });
      expect(await fixture.store.get(b, 'secret/plan.txt')).toBeNull();
      expect(await fixture.store.head(b, 'secret/plan.txt')).toBeNull();
      await fixture.store.delete(b, 'secret/plan.txt');
      await fixture.store.put(b, 'secret/plan.txt', Buffer.from('B'), { contentType: 'text/plain' });
      // Keys that name A's prefix from B's side are refused, not resolved.
      for (const key of [`../${a}/secret/plan.txt`, `../../tenants/${a}/secret/plan.txt`, `tenants/${a}/secret/plan.txt`]) {
        const got = await fixture.store.get(b, key).catch(() => 'refused' as const);
        expect(got === 'refused' || got === null).toBe(true);
      }
      const mine = await fixture.store.get(a, 'secret/plan.txt');
      expect((await readAll(mine!.body)).toString()).toBe('A only');
      if (options.signedUrls) {
        const url = await fixture.store.signedUrl(b, 'secret/plan.txt', 60);
        const response = await fetch(url!);
        expect(await response.text()).toBe('B');
      }
    });

    it('refuses keys like ../x and tenant ids that are not UUIDs, in every call', async () => {
      const tenant = randomUUID();
      for (const key of HOSTILE_BLOB_KEYS) {
        await expect(fixture.store.put(tenant, key, Buffer.from('x'), { contentType: 'text/plain' }), key).rejects.toThrow(/invalid blob key/);
        await expect(fixture.store.get(tenant, key), key).rejects.toThrow(/invalid blob key/);
        await expect(fixture.store.head(tenant, key), key).rejects.toThrow(/invalid blob key/);
        await expect(fixture.store.delete(tenant, key), key).rejects.toThrow(/invalid blob key/);
        await expect(fixture.store.signedUrl(tenant, key, 60), key).rejects.toThrow(/invalid blob key/);
      }
      for (const bad of ['..', '../x', '', 'tenant-a', `${randomUUID()}/..`]) {
        await expect(fixture.store.get(bad, 'a.txt'), bad).rejects.toThrow(/invalid tenant id/);
        await expect(fixture.store.put(bad, 'a.txt', Buffer.from('x'), { contentType: 'text/plain' }), bad).rejects.toThrow(/invalid tenant id/);
      }
    });

    it(options.signedUrls ? 'a signed URL lets a plain HTTP client GET the blob' : 'has no signed URLs (null)', async () => {
      const tenant = randomUUID();
      const data = randomBytes(2048);
      await fixture.store.put(tenant, 'share/r.bin', data, { contentType: 'application/octet-stream' });
      const url = await fixture.store.signedUrl(tenant, 'share/r.bin', 300);
      if (!options.signedUrls) {
        expect(url).toBeNull();
        return;
      }
      expect(url).toMatch(/^https?:\/\//);
      expect(url).toContain('X-Amz-Expires=300');
      const response = await fetch(url!);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(data);
      const ranged = await fetch(url!, { headers: { range: 'bytes=0-9' } });
      expect(Buffer.from(await ranged.arrayBuffer())).toEqual(data.subarray(0, 10));
    });

    it('answers ping', async () => {
      await fixture.store.ping();
    });
  });
}

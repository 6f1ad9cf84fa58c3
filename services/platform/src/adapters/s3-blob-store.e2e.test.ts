import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readAll, testBlobStorePort } from '../testing/blob-store-contract.ts';
import { describeWithEngines } from '../testing/engines/index.ts';
import { tenantBlobKey } from '../ports/blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

const MULTIPART = 5 * 1024 * 1024;

describeWithEngines(['s3'], 'S3 blob store', ({ s3 }) => {
  const connect = () =>
    S3BlobStore.connect({
      bucket: s3.bucket ?? 'poc-tracker-test',
      endpoint: s3.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' },
      multipartThresholdBytes: MULTIPART,
      createBucket: true,
    });

  // 12 MiB and a bit: three parts of 5 MiB, the last one short.
  testBlobStorePort('s3', async () => {
    const store = await connect();
    return { store, teardown: async () => store.close() };
  }, { largeBytes: 2 * MULTIPART + 1_234_567, signedUrls: true });

  let store: S3BlobStore;
  beforeAll(async () => {
    store = await connect();
  });
  afterAll(() => store?.close());

  it('an upload above the threshold is stored as a multipart object (its ETag names the part count)', async () => {
    const tenant = randomUUID();
    const data = randomBytes(MULTIPART + 100);
    await store.put(tenant, 'big.bin', Readable.from([data]), { contentType: 'application/octet-stream' });
    const { S3Client, HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const raw = new S3Client({ region: 'us-east-1', endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: tenantBlobKey(tenant, 'big.bin') }));
    raw.destroy();
    expect(head.ETag).toMatch(/-2"?$/);
    const small = randomUUID();
    await store.put(small, 'small.bin', Readable.from([randomBytes(1000)]), { contentType: 'application/octet-stream' });
    expect((await store.head(small, 'small.bin'))?.size).toBe(1000);
  });

  it('objects live under tenants/<tenantId>/ in the bucket', async () => {
    const tenant = randomUUID();
    await store.put(tenant, 'r/a.csv', Buffer.from('x'), { contentType: 'text/csv' });
    const url = await store.signedUrl(tenant, 'r/a.csv', 60);
    expect(new URL(url!).pathname).toBe(`/${s3.bucket}/tenants/${tenant}/r/a.csv`);
    const got = await store.get(tenant, 'r/a.csv');
    expect((await readAll(got!.body)).toString()).toBe('x');
  });
});

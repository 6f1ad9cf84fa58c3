import type { Readable } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { type BlobInfo, type BlobRange, type BlobStore, tenantBlobKey } from '../ports/blob-store.ts';

/** The SDK modules the store uses, loaded on demand by `S3BlobStore.connect` (or handed in). */
export interface S3Sdk {
  readonly s3: typeof import('@aws-sdk/client-s3');
  readonly storage: typeof import('@aws-sdk/lib-storage');
  readonly presigner: typeof import('@aws-sdk/s3-request-presigner');
}

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Uploads at or above this size go multipart, in parts of this size. Default 8 MiB (S3's minimum part is 5 MiB). */
  readonly multipartThresholdBytes?: number;
  /** Parts uploaded at the same time. Default 4. */
  readonly multipartConcurrency?: number;
}

export interface S3ConnectConfig extends S3BlobStoreOptions {
  readonly region?: string;
  /** An S3-compatible endpoint (MinIO, S3Mock); omit for AWS. */
  readonly endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3ClientConfig['credentials'];
  /** Create the bucket if it does not exist (local engines only; production buckets come from CDK). */
  readonly createBucket?: boolean;
}

const MIN_PART = 5 * 1024 * 1024;

/**
 * Blobs on S3 (production) or an S3-compatible server, with
 * `@aws-sdk/client-s3`: one prefix per tenant (`tenants/<tenantId>/<key>`,
 * see `tenantBlobKey`, which refuses any key that could climb out of it),
 * streaming uploads and downloads, multipart above a threshold (a failed
 * multipart upload is aborted, so no partial object appears), byte-range
 * reads, and presigned GET URLs.
 *
 * The SDK is loaded only by `S3BlobStore.connect`.
 *
 * @example
 * const blobs = await S3BlobStore.connect({ bucket: env.S3_BUCKET, region: env.S3_REGION, endpoint: env.S3_ENDPOINT, forcePathStyle: true });
 * await blobs.put(tenantId, 'videos/2026/u1.mp4', stream, { contentType: 'video/mp4' });
 * const url = await blobs.signedUrl(tenantId, 'videos/2026/u1.mp4', 900);
 */
export class S3BlobStore implements BlobStore {
  private readonly partSize: number;

  constructor(
    private readonly sdk: S3Sdk,
    private readonly client: S3Client,
    private readonly options: S3BlobStoreOptions,
  ) {
    this.partSize = Math.max(MIN_PART, options.multipartThresholdBytes ?? 8 * 1024 * 1024);
  }

  static async connect(config: S3ConnectConfig): Promise<S3BlobStore> {
    const [s3, storage, presigner] = await Promise.all([
      import('@aws-sdk/client-s3'),
      import('@aws-sdk/lib-storage'),
      import('@aws-sdk/s3-request-presigner'),
    ]);
    const client = new s3.S3Client({
      region: config.region ?? 'us-east-1',
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      forcePathStyle: config.forcePathStyle ?? Boolean(config.endpoint),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // Checksums only where S3 requires them: S3-compatible servers vary in the newer trailing-checksum support.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const store = new S3BlobStore({ s3, storage, presigner }, client, config);
    if (config.createBucket) await store.ensureBucket();
    return store;
  }

  async put(tenantId: string, key: string, body: Readable | Buffer, options: { contentType: string }): Promise<BlobInfo> {
    const objectKey = tenantBlobKey(tenantId, key);
    const { s3, storage } = this.sdk;
    if (Buffer.isBuffer(body) && body.length < this.partSize) {
      await this.client.send(
        new s3.PutObjectCommand({ Bucket: this.options.bucket, Key: objectKey, Body: body, ContentType: options.contentType, ContentLength: body.length }),
      );
    } else {
      // lib-storage reads the stream part by part: one PutObject when it all fits in one part, multipart beyond.
      const upload = new storage.Upload({
        client: this.client,
        params: { Bucket: this.options.bucket, Key: objectKey, Body: body, ContentType: options.contentType },
        partSize: this.partSize,
        queueSize: this.options.multipartConcurrency ?? 4,
        leavePartsOnError: false,
      });
      await upload.done();
    }
    const info = await this.head(tenantId, key);
    if (!info) throw new Error(`blob ${key} is not there right after it was written`);
    return info;
  }

  async get(tenantId: string, key: string, range?: BlobRange): Promise<{ info: BlobInfo; body: Readable } | null> {
    const objectKey = tenantBlobKey(tenantId, key);
    if (range && (!Number.isInteger(range.start) || !Number.isInteger(range.end) || range.start < 0 || range.end < range.start)) {
      throw new RangeError(`invalid byte range ${range.start}-${range.end}`);
    }
    try {
      const response = await this.client.send(
        new this.sdk.s3.GetObjectCommand({
          Bucket: this.options.bucket,
          Key: objectKey,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      // With a range, the whole blob's size is after the slash of Content-Range.
      const total = response.ContentRange ? Number(response.ContentRange.split('/')[1]) : response.ContentLength;
      // S3 answers 416 here; some S3-compatible servers answer 200 or an empty 206: treat them all alike.
      if (range && total !== undefined && Number.isFinite(total) && range.start >= Number(total)) {
        (response.Body as Readable | undefined)?.destroy();
        throw new RangeError(`byte range ${range.start}-${range.end} starts past the end of ${key} (${total} bytes)`);
      }
      return {
        info: {
          key,
          size: Number.isFinite(total) ? Number(total) : 0,
          contentType: response.ContentType ?? 'application/octet-stream',
          lastModified: response.LastModified ?? new Date(0),
        },
        body: response.Body as Readable,
      };
    } catch (error) {
      if (error instanceof RangeError) throw error;
      if (isNotFound(error)) return null;
      if (statusOf(error) === 416) throw new RangeError(`byte range ${range?.start}-${range?.end} starts past the end of ${key}`, { cause: error });
      throw error;
    }
  }

  async head(tenantId: string, key: string): Promise<BlobInfo | null> {
    const objectKey = tenantBlobKey(tenantId, key);
    try {
      const response = await this.client.send(new this.sdk.s3.HeadObjectCommand({ Bucket: this.options.bucket, Key: objectKey }));
      return {
        key,
        size: response.ContentLength ?? 0,
        contentType: response.ContentType ?? 'application/octet-stream',
        lastModified: response.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(tenantId: string, key: string): Promise<void> {
    const objectKey = tenantBlobKey(tenantId, key);
    await this.client.send(new this.sdk.s3.DeleteObjectCommand({ Bucket: this.options.bucket, Key: objectKey }));
  }

  async signedUrl(tenantId: string, key: string, expiresInSeconds: number): Promise<string | null> {
    const objectKey = tenantBlobKey(tenantId, key);
    return this.sdk.presigner.getSignedUrl(this.client, new this.sdk.s3.GetObjectCommand({ Bucket: this.options.bucket, Key: objectKey }), {
      expiresIn: expiresInSeconds,
    });
  }

  async ping(): Promise<void> {
    await this.client.send(new this.sdk.s3.HeadBucketCommand({ Bucket: this.options.bucket }));
  }

  /** Create the bucket when missing (local engines; in AWS the bucket is infrastructure). */
  async ensureBucket(): Promise<void> {
    try {
      await this.ping();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.send(new this.sdk.s3.CreateBucketCommand({ Bucket: this.options.bucket }));
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

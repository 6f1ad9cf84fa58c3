import type { Readable } from 'node:stream';

/** What is known about a stored blob. */
export interface BlobInfo {
  readonly key: string;
  readonly size: number;
  readonly contentType: string;
  readonly lastModified: Date;
}

export interface BlobRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive. */
  readonly end: number;
}

/**
 * Blobs (videos, reports) under one prefix per tenant: `tenants/<tenantId>/<key>`.
 * Keys are relative paths of safe segments; a key that tries to leave the
 * tenant's prefix (`..`, absolute, empty segments) is rejected.
 * Embedded: files under `.data/blobs` (`fs-blob-store.ts`).
 * Production: S3 (`s3-blob-store.ts`). Both pass `testBlobStorePort`.
 *
 * @example
 * await blobs.put(tenantId, 'videos/2026/u1.mp4', stream, { contentType: 'video/mp4' });
 * const { body } = await blobs.get(tenantId, 'videos/2026/u1.mp4', { start: 0, end: 1023 });
 */
export interface BlobStore {
  put(tenantId: string, key: string, body: Readable | Buffer, options: { contentType: string }): Promise<BlobInfo>;
  /** Stream the blob (or a byte range of it); `null` when absent. */
  get(tenantId: string, key: string, range?: BlobRange): Promise<{ info: BlobInfo; body: Readable } | null>;
  head(tenantId: string, key: string): Promise<BlobInfo | null>;
  delete(tenantId: string, key: string): Promise<void>;
  /** A time-limited URL to GET the blob directly, when the engine has one (S3); `null` otherwise. */
  signedUrl(tenantId: string, key: string, expiresInSeconds: number): Promise<string | null>;
  ping(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The full object key for a tenant's blob; throws on a key that could escape the tenant's prefix. */
export function tenantBlobKey(tenantId: string, key: string): string {
  if (!UUID.test(tenantId)) throw new Error(`invalid tenant id for a blob key: ${tenantId}`);
  const segments = key.split('/');
  if (segments.length === 0 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new Error(`invalid blob key: ${key}`);
  }
  return `tenants/${tenantId.toLowerCase()}/${key}`;
}

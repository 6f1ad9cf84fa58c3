import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BlobInfo, type BlobRange, type BlobStore, tenantBlobKey } from '../ports/blob-store.ts';

/**
 * Each blob is one file: a one-line JSON header (content type), then the
 * bytes. One file means one rename publishes data and metadata together.
 */
const MAGIC = 'POCBLOB1 ';
const MAX_HEADER = 4096;

export interface FsBlobStoreOptions {
  /** Directory holding the blobs, e.g. `.data/blobs`. */
  root: string;
}

/**
 * The embedded blob store: files under a directory (`.data/blobs`), one
 * subdirectory per tenant (`tenants/<tenantId>/<key>`). Writes go to a
 * temporary file renamed into place, so a reader sees the old blob or the
 * new one, never half of one, and a failed upload leaves nothing behind.
 * Range reads seek in the file. No signed URLs (`signedUrl` is `null`):
 * serve blobs through the service instead.
 */
export class FsBlobStore implements BlobStore {
  private readonly root: string;
  private readonly tenantsRoot: string;
  private readonly tmp: string;

  constructor(options: FsBlobStoreOptions) {
    this.root = resolve(options.root);
    this.tenantsRoot = join(this.root, 'tenants') + sep;
    this.tmp = join(this.root, '.tmp');
  }

  async put(tenantId: string, key: string, body: Readable | Buffer, options: { contentType: string }): Promise<BlobInfo> {
    const path = this.pathFor(tenantId, key);
    await mkdir(this.tmp, { recursive: true });
    const temp = join(this.tmp, `${randomUUID()}.part`);
    const header = Buffer.from(`${MAGIC}${JSON.stringify({ contentType: options.contentType })}\n`, 'utf8');
    if (header.length > MAX_HEADER) throw new Error('blob content type is too long');
    try {
      const out = createWriteStream(temp, { flags: 'wx' });
      async function* withHeader() {
        yield header;
        if (Buffer.isBuffer(body)) yield body;
        else for await (const chunk of body) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      }
      await pipeline(Readable.from(withHeader()), out);
      await mkdir(dirname(path), { recursive: true });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const info = await this.head(tenantId, key);
    if (!info) throw new Error(`blob ${key} vanished right after it was written`);
    return info;
  }

  async get(tenantId: string, key: string, range?: BlobRange): Promise<{ info: BlobInfo; body: Readable } | null> {
    const path = this.pathFor(tenantId, key);
    // Open once: a concurrent overwrite renames a new file into place, and this descriptor keeps the old one whole.
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (!handle) return null;
    try {
      const { info, offset } = await readInfo(handle, key);
      const [start, end] = clampRange(range, info.size);
      const body =
        end < start
          ? Readable.from([])
          : createReadStream('', { fd: handle, start: offset + start, end: offset + end, autoClose: true });
      if (end < start) await handle.close();
      return { info, body };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async head(tenantId: string, key: string): Promise<BlobInfo | null> {
    const path = this.pathFor(tenantId, key);
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (!handle) return null;
    try {
      return (await readInfo(handle, key)).info;
    } finally {
      await handle.close();
    }
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await rm(this.pathFor(tenantId, key), { force: true });
  }

  async signedUrl(tenantId: string, key: string, _expiresInSeconds: number): Promise<string | null> {
    this.pathFor(tenantId, key);
    return null;
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await stat(this.root);
  }

  private pathFor(tenantId: string, key: string): string {
    const path = resolve(this.root, tenantBlobKey(tenantId, key));
    // tenantBlobKey already refuses climbing keys; this keeps the promise even if it ever changed.
    if (!path.startsWith(this.tenantsRoot)) throw new Error(`invalid blob key: ${key}`);
    return path;
  }
}

async function readInfo(handle: import('node:fs/promises').FileHandle, key: string): Promise<{ info: BlobInfo; offset: number }> {
  const buffer = Buffer.alloc(MAX_HEADER);
  const { bytesRead } = await handle.read(buffer, 0, MAX_HEADER, 0);
  const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
  const line = newline >= 0 ? buffer.subarray(0, newline).toString('utf8') : '';
  if (!line.startsWith(MAGIC)) throw new Error(`blob ${key} is not in the blob store's format`);
  const meta = JSON.parse(line.slice(MAGIC.length)) as { contentType: string };
  const stats = await handle.stat();
  const offset = newline + 1;
  return { info: { key, size: stats.size - offset, contentType: meta.contentType, lastModified: stats.mtime }, offset };
}

/** Inclusive [start, end] within a blob of `size` bytes; end < start means empty. */
export function clampRange(range: BlobRange | undefined, size: number): [number, number] {
  if (!range) return [0, size - 1];
  if (!Number.isInteger(range.start) || !Number.isInteger(range.end) || range.start < 0 || range.end < range.start) {
    throw new RangeError(`invalid byte range ${range.start}-${range.end}`);
  }
  if (range.start >= size) throw new RangeError(`byte range ${range.start}-${range.end} starts past the end (${size} bytes)`);
  return [range.start, Math.min(range.end, size - 1)];
}

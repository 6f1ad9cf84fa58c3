import { createHash } from 'node:crypto';

// A fixed namespace for dojo ids derived from Idempotency-Keys (UUIDv5, RFC 9562 §5.5), as pocs does.
const NAMESPACE = Buffer.from('0b7e4f7a2c9d4e1f8a3b6c5d4e3f2a1b', 'hex');

/**
 * The dojo id a create with this Idempotency-Key gets: a UUIDv5 of (tenant,
 * key). The create appends to `dojo-<this id>` expecting no stream, so a retry
 * (or a concurrent copy) finds the dojo there and replays the first answer;
 * no second table can commit without the dojo, or the dojo without it.
 */
export function dojoIdForKey(tenantId: string, key: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(JSON.stringify([tenantId, key]), 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

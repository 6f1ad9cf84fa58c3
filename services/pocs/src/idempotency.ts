import { createHash } from 'node:crypto';

// A fixed namespace for POC ids derived from Idempotency-Keys (UUIDv5, RFC 9562 §5.5).
const NAMESPACE = Buffer.from('6b3f2c1e9a4d4f0b8e7a2d5c1f0e9b3a', 'hex');

/**
 * The POC id a create with this Idempotency-Key gets: a UUIDv5 of (tenant,
 * key). The key is thereby stored with the POC itself: the create appends to
 * stream `poc-<this id>` expecting no stream, so a retry (or a concurrent
 * copy) finds the stream taken and replays the first answer. There is no
 * second table whose row could commit without the POC, or the POC without it.
 */
export function pocIdForKey(tenantId: string, key: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(JSON.stringify([tenantId, key]), 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/**
 * The `Consistency-Token` every write answer carries (API.md, Conventions).
 *
 * Format: base64url (no padding) of the JSON `{ "s": <stream id>, "v": <version> }`:
 * the stream the write touched (`poc-<id>`) and the stream version it produced.
 * A read that gets it back waits (bounded) until its projection of stream `s`
 * has applied version `v`. It names a stream version, not a log position, so it
 * means the same on the Postgres log and on Kafka (where per-key order holds
 * but there is no global position). Clients treat it as opaque.
 *
 * @example
 * encodeConsistencyToken({ stream: 'poc-0192…', version: 3 }); // 'eyJzIjoicG9jLTAxOTIu…'
 * decodeConsistencyToken(header); // { stream: 'poc-0192…', version: 3 } or null
 */
export const ConsistencyTokenPayload = Type.Object(
  {
    s: Type.String({ minLength: 1, maxLength: 200, pattern: '^[a-z]+-[^\\s]+$', description: 'stream id, e.g. poc-<uuid>' }),
    v: Type.Integer({ minimum: 0, description: 'the stream version the write produced' }),
  },
  { $id: 'ConsistencyTokenPayload', additionalProperties: false, title: 'Consistency-Token (decoded)' },
);
export type ConsistencyTokenPayload = Static<typeof ConsistencyTokenPayload>;

export const CONSISTENCY_TOKEN_HEADER = 'consistency-token';

export interface StreamPosition {
  readonly stream: string;
  readonly version: number;
}

export function encodeConsistencyToken(position: StreamPosition): string {
  const payload: ConsistencyTokenPayload = { s: position.stream, v: position.version };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** The stream position a token names, or null when it is not a token this format produced. */
export function decodeConsistencyToken(token: string): StreamPosition | null {
  if (token.length > 400 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Value.Check(ConsistencyTokenPayload, payload)) return null;
  return { stream: payload.s, version: payload.v };
}

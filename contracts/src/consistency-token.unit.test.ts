import { describe, expect, it } from 'vitest';
import { decodeConsistencyToken, encodeConsistencyToken } from './consistency-token.ts';

describe('the Consistency-Token', () => {
  it('round-trips a stream position through an opaque, header-safe string', () => {
    const token = encodeConsistencyToken({ stream: 'poc-0192f3a1-7c4e-7b8a-9c1d-3e5f7a9b1c2d', version: 3 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeConsistencyToken(token)).toEqual({ stream: 'poc-0192f3a1-7c4e-7b8a-9c1d-3e5f7a9b1c2d', version: 3 });
  });

  it('is the documented format: base64url JSON { s, v }', () => {
    const token = Buffer.from(JSON.stringify({ s: 'poc-x', v: 7 })).toString('base64url');
    expect(decodeConsistencyToken(token)).toEqual({ stream: 'poc-x', version: 7 });
    expect(encodeConsistencyToken({ stream: 'poc-x', version: 7 })).toBe(token);
  });

  it('decodes anything else to null', () => {
    const bad = ['', 'not base64!', Buffer.from('{').toString('base64url'), Buffer.from(JSON.stringify({ s: 'poc-x', v: -1 })).toString('base64url'),
      Buffer.from(JSON.stringify({ s: 'poc-x', v: 1, extra: true })).toString('base64url'), Buffer.from(JSON.stringify({ v: 1 })).toString('base64url')];
    for (const token of bad) expect(decodeConsistencyToken(token), token).toBeNull();
  });
});

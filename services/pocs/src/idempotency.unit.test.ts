import { describe, expect, it } from 'vitest';
import { pocIdForKey } from './idempotency.ts';

describe('pocIdForKey', () => {
  const tenant = '5f0c7a52-1f0e-4c1b-9d55-2b8f0e2f4a10';

  it('gives one key in one tenant always the same UUIDv5', () => {
    const id = pocIdForKey(tenant, 'retry-me');
    expect(pocIdForKey(tenant, 'retry-me')).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives another key, or the same key in another tenant, another id', () => {
    const id = pocIdForKey(tenant, 'k');
    expect(pocIdForKey(tenant, 'k2')).not.toBe(id);
    expect(pocIdForKey('7a1c0e52-0000-4000-8000-00000000c4a5', 'k')).not.toBe(id);
    // (tenant, key) is encoded unambiguously: no pair can pose as another.
    expect(pocIdForKey(tenant, '\nx')).not.toBe(pocIdForKey(`${tenant}\n`, 'x'));
  });
});

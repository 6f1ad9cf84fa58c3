import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { EventRegistry, InvalidEventError, UnknownEventTypeError, UnsupportedEventVersionError, defineEvent } from './upcasting.ts';

// A made-up evolution, to pin the mechanism itself: v1 { n } → v2 { count } → v3 { count, unit }.
const Counted = defineEvent('test.counted', Type.Object({ n: Type.Integer() }))
  .next(Type.Object({ count: Type.Integer() }), (v1) => ({ count: v1.n }))
  .next(Type.Object({ count: Type.Integer(), unit: Type.String() }), (v2) => ({ ...v2, unit: 'items' }));
const registry = new EventRegistry([Counted, defineEvent('test.other', Type.Object({}))]);

describe('the upcaster registry', () => {
  it('given an event of the first version, when upcast, then it runs every upcaster in order up to the latest', () => {
    const upcast = registry.upcast({ type: 'test.counted', schemaVersion: 1, data: { n: 3 }, aggregateId: 'a' });
    expect(upcast).toEqual({ type: 'test.counted', schemaVersion: 3, data: { count: 3, unit: 'items' }, aggregateId: 'a' });
  });

  it('given an event of the latest version, then it is returned as stored', () => {
    const data = { count: 1, unit: 'kg' };
    expect(registry.upcast({ type: 'test.counted', schemaVersion: 3, data }).data).toEqual(data);
  });

  it('refuses an unknown type, a version newer than the code knows, and data that does not match its version', () => {
    expect(() => registry.upcast({ type: 'test.nope', schemaVersion: 1, data: {} })).toThrow(UnknownEventTypeError);
    expect(() => registry.upcast({ type: 'test.counted', schemaVersion: 4, data: {} })).toThrow(UnsupportedEventVersionError);
    expect(() => registry.upcast({ type: 'test.counted', schemaVersion: 0, data: {} })).toThrow(UnsupportedEventVersionError);
    // v2 data stored under v1: the v1 schema catches it before any upcaster runs.
    expect(() => registry.upcast({ type: 'test.counted', schemaVersion: 1, data: { count: 3 } })).toThrow(InvalidEventError);
  });

  it('refuses an upcaster whose output does not match the next version', () => {
    const broken = defineEvent('test.broken', Type.Object({ a: Type.String() })).next(
      Type.Object({ b: Type.String() }),
      (v1) => ({ a: v1.a }) as unknown as { b: string },
    );
    expect(() => new EventRegistry([broken]).upcast({ type: 'test.broken', schemaVersion: 1, data: { a: 'x' } })).toThrow(/upcast produced invalid data/);
  });

  it('refuses two definitions of one type', () => {
    expect(() => new EventRegistry([Counted, Counted])).toThrow(/defined twice/);
  });
});

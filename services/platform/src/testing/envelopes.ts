import { randomUUID } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import type { EventEnvelope } from '../ports/events.ts';

/** Build `count` envelopes over `aggregates` aggregates, versions in order per aggregate. */
export function makeEnvelopes(count: number, aggregates: number, type = 'poc.created', tenantId: string = randomUUID()): EventEnvelope[] {
  const ids = Array.from({ length: aggregates }, () => randomUUID());
  const versions = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const aggregateId = ids[i % aggregates]!;
    const version = (versions.get(aggregateId) ?? 0) + 1;
    versions.set(aggregateId, version);
    return {
      id: uuidv7(),
      type,
      schemaVersion: 1,
      tenantId,
      aggregateId,
      aggregateVersion: version,
      occurredAt: new Date().toISOString(),
      actor: 'system:test',
      correlationId: randomUUID(),
      causationId: null,
      data: { i },
    };
  });
}

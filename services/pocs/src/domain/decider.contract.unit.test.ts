import { POC_EVENT_VERSIONS, type PocEvent, evolvePoc, initialPocState, pocEvents, toRecordedPocEvent } from '@poc/contracts';
import { envelopeSchemaErrors } from '@poc/contracts/testing';
import { describe, expect, it } from 'vitest';
import type { Actor, PocCommand } from './commands.ts';
import { decide } from './decider.ts';
import { AUTHOR, POC_ID, at } from './testing.ts';

// The producer side of the POC event contract: whatever the decider emits is
// valid by the published JSON Schema of its type at the version it claims,
// which is the latest the consumers' registry knows, and folds through the
// consumers' evolvePoc. A producer that drifts from contracts/ fails here.
const actor: Actor = { userId: AUTHOR, roles: ['member'] };
const scenario: PocCommand[] = [
  {
    type: 'CreatePoc',
    actor,
    data: { name: 'Outbox relay', description: 'multi\nline', languages: ['typescript', 'c#'], tags: ['kafka'], repoUrl: 'https://github.com/acme/outbox', status: 'idea', startedAt: null, finishedAt: null },
  },
  { type: 'UpdatePoc', actor, expectedVersion: 1, changes: { name: 'Outbox relay (MSK)', description: '', languages: [], repoUrl: null, startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-02T00:00:00.000Z' } },
  { type: 'UpdatePoc', actor, expectedVersion: null, changes: { tags: ['msk', 'cdc'], status: 'in_progress' } },
  { type: 'UpdatePoc', actor, expectedVersion: null, changes: { status: 'abandoned' } },
  { type: 'DeletePoc', actor, expectedVersion: null },
];

describe('POC event contract (producer side)', () => {
  it('every event the decider produces is valid by the published schema, at the latest version, and folds', () => {
    let state = initialPocState();
    const produced: PocEvent[] = [];
    for (const command of scenario) {
      for (const event of decide(command, state)) {
        produced.push(event);
        const envelope = {
          id: '0192f3a1-8000-7000-8000-0000000000aa',
          ...event,
          tenantId: '5f0c7a52-1f0e-4c1b-9d55-2b8f0e2f4a10',
          aggregateId: POC_ID,
          aggregateVersion: produced.length,
          occurredAt: at(produced.length),
          actor: `user:${AUTHOR}`,
          correlationId: 'req-1',
          causationId: null,
        };
        expect(envelopeSchemaErrors(envelope), `${event.type}`).toEqual([]);
        expect(event.schemaVersion).toBe(pocEvents.latestVersion(event.type));
        state = evolvePoc(state, toRecordedPocEvent(envelope));
      }
    }
    // The scenario exercises every event type the contract defines.
    expect(new Set(produced.map((e) => e.type))).toEqual(new Set(Object.keys(POC_EVENT_VERSIONS)));
    expect(state.kind).toBe('deleted');
  });
});

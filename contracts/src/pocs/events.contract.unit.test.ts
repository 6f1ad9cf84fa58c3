import { describe, expect, it } from 'vitest';
import { envelopeSchemaErrors, eventFixtures } from '../testing/index.ts';
import { POC_EVENT_VERSIONS, pocEvents, toRecordedPocEvent } from './events.ts';
import { evolvePoc, initialPocState } from './state.ts';

// The consumer side of the POC event contract: every event a producer ever
// wrote (the fixtures, one per type and schema version at least) is valid by
// the published JSON Schema of its version, upcasts to the latest shape, and
// folds. The producer side (services/pocs) checks its decider's output
// against the same published schemas.
const fixtures = eventFixtures();

describe('POC event contract (consumer side)', () => {
  it('producers write, for each type, the latest version the registry knows', () => {
    const latest = Object.fromEntries(pocEvents.definitions.map((d) => [d.type, d.latestVersion]));
    expect(latest).toEqual(POC_EVENT_VERSIONS);
  });

  it('has a stored fixture for every type at every schema version', () => {
    for (const definition of pocEvents.definitions) {
      for (let version = 1; version <= definition.latestVersion; version++) {
        expect(fixtures.some((f) => f.event.type === definition.type && f.event.schemaVersion === version), `${definition.type} v${version}`).toBe(true);
      }
    }
  });

  it.each(fixtures.map((f) => [f.file, f.event] as const))('%s is valid by its published JSON Schema and upcasts to a valid latest version', (_file, event) => {
    expect(envelopeSchemaErrors(event)).toEqual([]);
    const latest = toRecordedPocEvent(event);
    expect(latest.schemaVersion).toBe(POC_EVENT_VERSIONS[latest.type]);
    expect(envelopeSchemaErrors({ ...event, schemaVersion: latest.schemaVersion, data: latest.data })).toEqual([]);
  });

  it('upcasts poc.created v1 (one language, as typed) to v2 (normalised languages)', () => {
    const v1 = fixtures.find((f) => f.file === 'poc.created.v1.json')!.event;
    expect(toRecordedPocEvent(v1)).toMatchObject({ type: 'poc.created', schemaVersion: 2, data: { languages: ['typescript'] } });
    expect(toRecordedPocEvent(v1).data).not.toHaveProperty('language');
    const none = fixtures.find((f) => f.file === 'poc.created.v1-no-language.json')!.event;
    expect(toRecordedPocEvent(none).data).toMatchObject({ languages: [] });
  });

  it('replays a stream written before the evolution (v1 created, then later events) into today\'s POC', () => {
    const stream = ['poc.created.v1.json', 'poc.updated.v1.json', 'poc.tagged.v1.json', 'poc.untagged.v1.json', 'poc.status_changed.v1.json']
      .map((file) => fixtures.find((f) => f.file === file)!.event);
    const state = stream.map(toRecordedPocEvent).reduce(evolvePoc, initialPocState());
    expect(state).toEqual({
      kind: 'active',
      poc: {
        id: '0192f3a1-7c4e-7b8a-9c1d-3e5f7a9b1c2d',
        name: 'Kafka outbox relay (MSK)',
        description: 'Relay the outbox to Kafka',
        languages: ['typescript'],
        tags: ['kafka', 'msk'],
        repoUrl: null,
        status: 'done',
        startedAt: '2024-03-01T09:00:00.000Z',
        finishedAt: null,
        createdAt: '2024-03-01T09:00:00.000Z',
        updatedAt: '2024-03-05T09:00:00.000Z',
        createdBy: '8d2e6f4a-3b1c-4e5d-9f7a-1b2c3d4e5f6a',
        version: 5,
      },
    });
  });

  it('a consumer refuses what the contract does not allow (a v2 payload labelled v1, an unknown field, a future version)', () => {
    const v2 = fixtures.find((f) => f.file === 'poc.created.v2.json')!.event;
    expect(() => toRecordedPocEvent({ ...v2, schemaVersion: 1 })).toThrow(/poc.created v1/);
    expect(() => toRecordedPocEvent({ ...v2, data: { ...(v2.data as object), owner: 'x' } })).toThrow(/poc.created v2/);
    expect(() => toRecordedPocEvent({ ...v2, schemaVersion: 3 })).toThrow(/not supported/);
    expect(envelopeSchemaErrors({ ...v2, schemaVersion: 1 })).not.toEqual([]);
  });
});

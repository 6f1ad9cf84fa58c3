import { type Static, Type } from '@sinclair/typebox';
import { type RawEvent, envelopeOf } from '../envelope.ts';
import { EventRegistry, defineEvent } from '../upcasting.ts';
import {
  LabelSchema,
  LanguagesSchema,
  NullableInstantSchema,
  NullableRepoUrlSchema,
  PocDescriptionSchema,
  PocNameSchema,
  PocStatusSchema,
  TagsSchema,
} from './fields.ts';
import { normaliseLabel } from './normalise.ts';

/**
 * The POC events. Every change to a POC is one of these, appended to its
 * stream `poc-<id>`. Changes are granular: details (`poc.updated`), tags
 * (`poc.tagged` / `poc.untagged`, so concurrent taggers do not erase each
 * other's tags in projections) and status (`poc.status_changed`, with the
 * status it left, for analytics).
 *
 * Evolution: adding an optional field keeps the version; anything else is a
 * new `schemaVersion` plus an upcaster from the previous one (see `pocEvents`).
 */

// poc.created v1: the first release carried one language.
export const PocCreatedV1 = Type.Object(
  {
    name: PocNameSchema,
    description: PocDescriptionSchema,
    language: Type.Union([LabelSchema, Type.Null()]),
    tags: TagsSchema,
    repoUrl: NullableRepoUrlSchema,
    status: PocStatusSchema,
    startedAt: NullableInstantSchema,
    finishedAt: NullableInstantSchema,
  },
  { additionalProperties: false, title: 'poc.created v1 data' },
);

// poc.created v2: a POC is written in several languages.
export const PocCreatedV2 = Type.Object(
  {
    name: PocNameSchema,
    description: PocDescriptionSchema,
    languages: LanguagesSchema,
    tags: TagsSchema,
    repoUrl: NullableRepoUrlSchema,
    status: PocStatusSchema,
    startedAt: NullableInstantSchema,
    finishedAt: NullableInstantSchema,
  },
  { additionalProperties: false, title: 'poc.created v2 data' },
);

/** Only the details that changed, with their new values (at least one). Tags and status have their own events. */
export const PocUpdatedV1 = Type.Object(
  {
    name: Type.Optional(PocNameSchema),
    description: Type.Optional(PocDescriptionSchema),
    languages: Type.Optional(LanguagesSchema),
    repoUrl: Type.Optional(NullableRepoUrlSchema),
    startedAt: Type.Optional(NullableInstantSchema),
    finishedAt: Type.Optional(NullableInstantSchema),
  },
  { additionalProperties: false, minProperties: 1, title: 'poc.updated v1 data' },
);

/** Tags added (none of them was on the POC). */
export const PocTaggedV1 = Type.Object({ tags: Type.Array(LabelSchema, { minItems: 1, uniqueItems: true }) }, { additionalProperties: false, title: 'poc.tagged v1 data' });
/** Tags removed (each of them was on the POC). */
export const PocUntaggedV1 = Type.Object({ tags: Type.Array(LabelSchema, { minItems: 1, uniqueItems: true }) }, { additionalProperties: false, title: 'poc.untagged v1 data' });
export const PocStatusChangedV1 = Type.Object({ from: PocStatusSchema, to: PocStatusSchema }, { additionalProperties: false, title: 'poc.status_changed v1 data' });
/** The POC is gone; its stream accepts nothing more. */
export const PocDeletedV1 = Type.Object({}, { additionalProperties: false, title: 'poc.deleted v1 data' });

export const PocCreated = defineEvent('poc.created', PocCreatedV1).next(PocCreatedV2, (v1) => {
  const { language, ...rest } = v1;
  const single = language === null ? '' : normaliseLabel(language);
  return { ...rest, languages: single ? [single] : [] };
});
export const PocUpdated = defineEvent('poc.updated', PocUpdatedV1);
export const PocTagged = defineEvent('poc.tagged', PocTaggedV1);
export const PocUntagged = defineEvent('poc.untagged', PocUntaggedV1);
export const PocStatusChanged = defineEvent('poc.status_changed', PocStatusChangedV1);
export const PocDeleted = defineEvent('poc.deleted', PocDeletedV1);

/**
 * The POC events' upcaster registry. Consumers call `pocEvents.upcast(stored)`
 * on every event they read; the result always has the latest shape.
 *
 * @example
 * for (const stored of await store.readStream(tenantId, `poc-${id}`)) state = evolvePoc(state, pocEvents.upcast(stored));
 */
export const pocEvents = new EventRegistry([PocCreated, PocUpdated, PocTagged, PocUntagged, PocStatusChanged, PocDeleted]);

export type PocCreatedData = Static<typeof PocCreatedV2>;
export type PocUpdatedData = Static<typeof PocUpdatedV1>;
export type PocTaggedData = Static<typeof PocTaggedV1>;
export type PocUntaggedData = Static<typeof PocUntaggedV1>;
export type PocStatusChangedData = Static<typeof PocStatusChangedV1>;
export type PocDeletedData = Static<typeof PocDeletedV1>;

/** The schema version producers write today, per type (a test holds it equal to the registry's latest). */
export const POC_EVENT_VERSIONS = {
  'poc.created': 2,
  'poc.updated': 1,
  'poc.tagged': 1,
  'poc.untagged': 1,
  'poc.status_changed': 1,
  'poc.deleted': 1,
} as const;
type V = typeof POC_EVENT_VERSIONS;

/** A POC event in its latest shape, as a producer emits it (before the store adds the envelope). */
export type PocEvent =
  | { readonly type: 'poc.created'; readonly schemaVersion: V['poc.created']; readonly data: PocCreatedData }
  | { readonly type: 'poc.updated'; readonly schemaVersion: V['poc.updated']; readonly data: PocUpdatedData }
  | { readonly type: 'poc.tagged'; readonly schemaVersion: V['poc.tagged']; readonly data: PocTaggedData }
  | { readonly type: 'poc.untagged'; readonly schemaVersion: V['poc.untagged']; readonly data: PocUntaggedData }
  | { readonly type: 'poc.status_changed'; readonly schemaVersion: V['poc.status_changed']; readonly data: PocStatusChangedData }
  | { readonly type: 'poc.deleted'; readonly schemaVersion: V['poc.deleted']; readonly data: PocDeletedData };

export type PocEventType = PocEvent['type'];

/** The envelope fields `evolvePoc` reads besides type and data. */
export interface PocEventMeta {
  readonly aggregateId: string;
  readonly aggregateVersion: number;
  readonly occurredAt: string;
  readonly actor: string;
}

/** A POC event as read back from the store (and upcast): the event plus where and when it happened. */
export type RecordedPocEvent = PocEvent & PocEventMeta;

/**
 * A stored event (any version) as a `RecordedPocEvent`: validated, upcast to
 * the latest version. Throws on an unknown type, an unknown version or invalid data.
 */
export function toRecordedPocEvent(stored: RawEvent & PocEventMeta): RecordedPocEvent {
  const latest = pocEvents.upcast(stored);
  return {
    type: latest.type,
    schemaVersion: latest.schemaVersion,
    data: latest.data,
    aggregateId: stored.aggregateId,
    aggregateVersion: stored.aggregateVersion,
    occurredAt: stored.occurredAt,
    actor: stored.actor,
  } as RecordedPocEvent;
}

/** Full envelope schemas of every POC event version, for consumers outside TypeScript (exported to `schemas/events/`). */
export const pocEventEnvelopeSchemas = pocEvents.definitions.flatMap((definition) =>
  definition.schemas.map((data, i) => ({
    type: definition.type,
    schemaVersion: i + 1,
    schema: { ...envelopeOf(definition.type, i + 1, data), $id: `${definition.type}.v${i + 1}`, title: `${definition.type} v${i + 1}` },
  })),
);

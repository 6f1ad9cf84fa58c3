import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Instant, Uuid } from '../envelope.ts';
import {
  LanguagesSchema,
  NullableInstantSchema,
  NullableRepoUrlSchema,
  POC_LIMITS,
  PocDescriptionSchema,
  PocNameSchema,
  PocStatusSchema,
  TagsSchema,
} from './fields.ts';

/**
 * The HTTP schemas of the POC routes (API.md, POCs). Request bodies accept
 * what a client types (`' Go '`, duplicates); the service normalises them.
 * Schemas with an `$id` are registered once with `app.addSchema` and used by
 * reference (see `ref`); the others (params, headers) are embedded.
 */

const RawLabel = Type.String({ maxLength: POC_LIMITS.labelMax, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const editable = {
  name: PocNameSchema,
  description: PocDescriptionSchema,
  languages: Type.Array(RawLabel, { maxItems: POC_LIMITS.languagesMax, description: 'trimmed, lower-cased and de-duplicated by the service' }),
  tags: Type.Array(RawLabel, { maxItems: POC_LIMITS.tagsMax, description: 'trimmed, lower-cased and de-duplicated by the service' }),
  repoUrl: NullableRepoUrlSchema,
  status: PocStatusSchema,
  startedAt: NullableInstantSchema,
  finishedAt: NullableInstantSchema,
};

/** `POST /v1/pocs` body. */
export const PocCreateRequest = Type.Object(
  {
    name: editable.name,
    description: Type.Optional(editable.description),
    languages: Type.Optional(editable.languages),
    tags: Type.Optional(editable.tags),
    repoUrl: Type.Optional(editable.repoUrl),
    status: Type.Optional(editable.status),
    startedAt: Type.Optional(editable.startedAt),
    finishedAt: Type.Optional(editable.finishedAt),
  },
  { $id: 'PocCreateRequest', additionalProperties: false, title: 'Create a POC' },
);
export type PocCreateRequest = Static<typeof PocCreateRequest>;

/** `PATCH /v1/pocs/:id` body: any non-empty subset of the fields; `tags` and `languages` replace the lists. */
export const PocUpdateRequest = Type.Object(
  {
    name: Type.Optional(editable.name),
    description: Type.Optional(editable.description),
    languages: Type.Optional(editable.languages),
    tags: Type.Optional(editable.tags),
    repoUrl: Type.Optional(editable.repoUrl),
    status: Type.Optional(editable.status),
    startedAt: Type.Optional(editable.startedAt),
    finishedAt: Type.Optional(editable.finishedAt),
  },
  { $id: 'PocUpdateRequest', additionalProperties: false, minProperties: 1, title: 'Change a POC' },
);
export type PocUpdateRequest = Static<typeof PocUpdateRequest>;

/** The answer of `POST` (201) and `PATCH` (200): the POC's id and the version the write produced. */
export const PocWriteResponse = Type.Object(
  { id: Uuid, version: Type.Integer({ minimum: 1 }) },
  { $id: 'PocWriteResponse', additionalProperties: false, title: 'POC written' },
);
export type PocWriteResponse = Static<typeof PocWriteResponse>;

/** A POC as the read side serves it (`GET /v1/pocs/:id`); `evolvePoc` builds exactly this shape. */
export const Poc = Type.Object(
  {
    id: Uuid,
    name: PocNameSchema,
    description: PocDescriptionSchema,
    languages: LanguagesSchema,
    tags: TagsSchema,
    repoUrl: NullableRepoUrlSchema,
    status: PocStatusSchema,
    startedAt: NullableInstantSchema,
    finishedAt: NullableInstantSchema,
    createdAt: Instant,
    updatedAt: Instant,
    /** The user id of the author. */
    createdBy: Type.String(),
    version: Type.Integer({ minimum: 1 }),
  },
  { $id: 'Poc', additionalProperties: false, title: 'POC' },
);
export type Poc = Static<typeof Poc>;

/** `:id` of `/v1/pocs/:id`. */
export const PocIdParams = Type.Object({ id: Type.String({ format: 'uuid', description: 'the POC id' }) }, { additionalProperties: false });

/**
 * `Idempotency-Key`: any client-chosen string (a UUID is a good one), 1–255
 * visible ASCII characters. The same key with the same body returns the first
 * answer (with `Idempotent-Replayed: true`); with another body, 422.
 */
export const IdempotencyKeyHeader = Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', description: 'a retry with the same key returns the first answer' });

/** `If-Match`: the version the client last saw (`3`, `"3"` or `W/"3"`, as `ETag` gave it). */
export const IfMatchHeader = Type.String({ pattern: '^\\s*(W/)?"?[0-9]{1,9}"?\\s*$', description: 'the version the change is based on; 412 when it moved on' });

export const PocCreateHeaders = Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKeyHeader) });
export const PocUpdateHeaders = Type.Object({ 'if-match': IfMatchHeader });
export const PocDeleteHeaders = Type.Object({ 'if-match': Type.Optional(IfMatchHeader) });

/** The version named by an `If-Match` header that matched `IfMatchHeader`. */
export function parseIfMatch(header: string): number {
  return Number(header.replace(/[^0-9]/g, ''));
}

/** Every POC HTTP schema that carries an `$id`, to register with `app.addSchema`. */
export const pocHttpSchemas: readonly TSchema[] = [PocCreateRequest, PocUpdateRequest, PocWriteResponse, Poc];

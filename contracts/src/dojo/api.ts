import { type Static, Type } from '@sinclair/typebox';

/**
 * HTTP schemas of the Dojos section of API.md. Routes register them with
 * their `$id` so the OpenAPI document names them.
 *
 * @example
 * app.post('/v1/dojos', { schema: { body: CreateDojoBody, response: { 201: Dojo } } }, handler);
 */
const Uuid = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });

export const DojoStatus = Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended')], { $id: 'DojoStatus' });

export const DojoParticipant = Type.Object(
  {
    userId: Type.String(),
    displayName: Type.String(),
    /** `pilot` types; `copilot`s help; `observer`s (analysts) only watch. */
    role: Type.Union([Type.Literal('pilot'), Type.Literal('copilot'), Type.Literal('observer')]),
    /** Whether the participant is connected now (participants who left stay listed). */
    present: Type.Boolean(),
  },
  { $id: 'DojoParticipant' },
);

export const Dojo = Type.Object(
  {
    id: Uuid,
    title: Type.String(),
    kata: Type.Union([Type.String(), Type.Null()]),
    language: Type.String(),
    status: Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended')]),
    scheduledAt: Type.Union([Instant, Type.Null()]),
    startedAt: Type.Union([Instant, Type.Null()]),
    endedAt: Type.Union([Instant, Type.Null()]),
    rotationMinutes: Type.Integer(),
    /** The current pilot's user id (null when nobody is piloting). */
    pilot: Type.Union([Type.String(), Type.Null()]),
    /** When the pilot rotates next (null when not live). */
    rotationEndsAt: Type.Union([Instant, Type.Null()]),
    participants: Type.Array(DojoParticipant),
    createdBy: Type.String(),
    createdAt: Instant,
    version: Type.Integer(),
  },
  { $id: 'Dojo' },
);
export type Dojo = Static<typeof Dojo>;

export const CreateDojoBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    kata: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    language: Type.String({ minLength: 1, maxLength: 50 }),
    starterCode: Type.Optional(Type.String({ maxLength: 100_000 })),
    scheduledAt: Type.Optional(Instant),
    rotationMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 120, default: 7 })),
  },
  { $id: 'CreateDojoBody', additionalProperties: false },
);
export type CreateDojoBody = Static<typeof CreateDojoBody>;

export const DojoParams = Type.Object({ id: Uuid }, { $id: 'DojoParams' });

export const ListDojosQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('scheduled'), Type.Literal('live'), Type.Literal('ended')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { $id: 'ListDojosQuery', additionalProperties: false },
);

export const DojoList = Type.Object(
  { items: Type.Array(Dojo), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { $id: 'DojoList' },
);

export const DojoCode = Type.Object(
  { code: Type.String(), updatedAt: Type.Union([Instant, Type.Null()]) },
  { $id: 'DojoCode' },
);
export type DojoCode = Static<typeof DojoCode>;

/** Query of `WS /v1/dojos/:id/sync`. */
export const DojoSyncQuery = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 8192 })),
    /** Display name shown to the others (the access token carries none); defaults to the user id. */
    name: Type.Optional(Type.String({ maxLength: 100 })),
    /**
     * `true`: the client also gets each of its own updates back once it is stored (the acknowledgement),
     * in the order it sent them. Stock y-websocket clients do not need it (they resend what the server
     * lacks on reconnect), so it is off by default: it is one more frame per edit for the client to apply.
     */
    ack: Type.Optional(Type.Boolean({ default: false })),
  },
  { $id: 'DojoSyncQuery' },
);

import { type Static, Type } from '@sinclair/typebox';

/**
 * Dojo lifecycle events (stream `dojo-<id>`, topic `dojos.events.v1`). Payloads
 * evolve by adding optional fields; a breaking change gets a new
 * `schemaVersion` and an upcaster here.
 *
 * @example
 * const event: NewDojoEvent = { type: 'dojo.started', schemaVersion: 1, data: { startedAt } };
 */
const Instant = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const DojoScheduledV1 = Type.Object({
  title: Type.String(),
  kata: Nullable(Type.String()),
  language: Type.String(),
  /** The text the shared document starts with ('' when none). */
  starterCode: Type.String(),
  scheduledAt: Nullable(Instant),
  rotationMinutes: Type.Integer({ minimum: 1 }),
  createdBy: Type.String(),
  createdAt: Instant,
});
export const DojoStartedV1 = Type.Object({ startedAt: Instant, startedBy: Type.String() });
export const DojoParticipantJoinedV1 = Type.Object({
  userId: Type.String(),
  displayName: Type.String(),
  /** `editor`: may edit and pilot; `observer`: read-only (analysts). */
  kind: Type.Union([Type.Literal('editor'), Type.Literal('observer')]),
  joinedAt: Instant,
});
export const DojoParticipantLeftV1 = Type.Object({ userId: Type.String(), leftAt: Instant });
export const DojoPilotRotatedV1 = Type.Object({
  from: Nullable(Type.String()),
  to: Nullable(Type.String()),
  /** When the next rotation is due; null when there is no pilot. */
  rotationEndsAt: Nullable(Instant),
  reason: Type.Union([Type.Literal('schedule'), Type.Literal('joined'), Type.Literal('left')]),
  rotatedAt: Instant,
});
export const DojoEndedV1 = Type.Object({ endedAt: Instant, endedBy: Type.String() });
export const DojoSnapshotSavedV1 = Type.Object({
  /** Size of the compacted document state. */
  bytes: Type.Integer({ minimum: 0 }),
  /** How many stored updates the snapshot folded in. */
  updates: Type.Integer({ minimum: 0 }),
  textLength: Type.Integer({ minimum: 0 }),
  savedAt: Instant,
});

type Ev<T extends string, S> = { readonly type: T; readonly schemaVersion: 1; readonly data: Readonly<S> };

/** Every dojo event, as a decider produces it. */
export type NewDojoEvent =
  | Ev<'dojo.scheduled', Static<typeof DojoScheduledV1>>
  | Ev<'dojo.started', Static<typeof DojoStartedV1>>
  | Ev<'dojo.participant_joined', Static<typeof DojoParticipantJoinedV1>>
  | Ev<'dojo.participant_left', Static<typeof DojoParticipantLeftV1>>
  | Ev<'dojo.pilot_rotated', Static<typeof DojoPilotRotatedV1>>
  | Ev<'dojo.ended', Static<typeof DojoEndedV1>>
  | Ev<'dojo.snapshot_saved', Static<typeof DojoSnapshotSavedV1>>;

export type DojoEventType = NewDojoEvent['type'];

/** Payload schema of each event type at its current version. */
export const DOJO_EVENT_SCHEMAS = {
  'dojo.scheduled': DojoScheduledV1,
  'dojo.started': DojoStartedV1,
  'dojo.participant_joined': DojoParticipantJoinedV1,
  'dojo.participant_left': DojoParticipantLeftV1,
  'dojo.pilot_rotated': DojoPilotRotatedV1,
  'dojo.ended': DojoEndedV1,
  'dojo.snapshot_saved': DojoSnapshotSavedV1,
} as const satisfies Record<DojoEventType, unknown>;

export const DOJO_EVENT_TYPES = Object.keys(DOJO_EVENT_SCHEMAS) as DojoEventType[];

/**
 * Read a stored dojo event as the current version (the upcaster chain: every
 * dojo event is still at version 1, so this only checks the type).
 */
export function upcastDojoEvent(event: { type: string; schemaVersion: number; data: unknown }): NewDojoEvent {
  if (!(DOJO_EVENT_TYPES as string[]).includes(event.type)) throw new Error(`not a dojo event: ${event.type}`);
  if (event.schemaVersion !== 1) throw new Error(`no upcaster for ${event.type} v${event.schemaVersion}`);
  return event as NewDojoEvent;
}

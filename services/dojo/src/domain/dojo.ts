import type { NewDojoEvent } from '@poc/contracts/dojo';
import { ForbiddenError, IllegalStateError, NotFoundError } from '@poc/platform';
import { DOJO_ERR } from '../errors.ts';

/**
 * The dojo aggregate as a pure decider: `decide(command, state) → events`,
 * `evolve(state, event) → state`. Time comes in with the command; no I/O.
 */
export interface Participant {
  readonly userId: string;
  readonly displayName: string;
  readonly kind: 'editor' | 'observer';
  readonly present: boolean;
}

export interface DojoState {
  readonly exists: boolean;
  readonly title: string;
  readonly kata: string | null;
  readonly language: string;
  readonly starterCode: string;
  readonly status: 'scheduled' | 'live' | 'ended';
  readonly scheduledAt: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly rotationMinutes: number;
  readonly createdBy: string;
  readonly createdAt: string;
  /** In join order: the rotation order. */
  readonly participants: readonly Participant[];
  readonly pilot: string | null;
  readonly rotationEndsAt: string | null;
}

export const initialState = (): DojoState => ({
  exists: false,
  title: '',
  kata: null,
  language: '',
  starterCode: '',
  status: 'scheduled',
  scheduledAt: null,
  startedAt: null,
  endedAt: null,
  rotationMinutes: 7,
  createdBy: '',
  createdAt: '',
  participants: [],
  pilot: null,
  rotationEndsAt: null,
});

export type DojoCommand =
  | {
      readonly type: 'schedule';
      readonly title: string;
      readonly kata: string | null;
      readonly language: string;
      readonly starterCode: string;
      readonly scheduledAt: string | null;
      readonly rotationMinutes: number;
      readonly by: string;
      readonly now: Date;
    }
  | { readonly type: 'start'; readonly by: string; readonly now: Date }
  | { readonly type: 'join'; readonly userId: string; readonly displayName: string; readonly observer: boolean; readonly now: Date }
  | { readonly type: 'leave'; readonly userId: string; readonly now: Date }
  | { readonly type: 'rotate'; readonly now: Date }
  | { readonly type: 'end'; readonly by: string; readonly mayEndAny: boolean; readonly now: Date }
  | { readonly type: 'record_snapshot'; readonly bytes: number; readonly updates: number; readonly textLength: number; readonly now: Date };

const iso = (d: Date) => d.toISOString();
const later = (now: Date, minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
const presentEditors = (s: DojoState) => s.participants.filter((p) => p.present && p.kind === 'editor');

/** The editor after `current` in join order (cyclic), among those present. */
function nextPilot(s: DojoState, current: string | null, excluding?: string): string | null {
  const editors = presentEditors(s).filter((p) => p.userId !== excluding);
  if (editors.length === 0) return null;
  const order = s.participants.filter((p) => p.kind === 'editor').map((p) => p.userId);
  const start = current === null ? -1 : order.indexOf(current);
  for (let i = 1; i <= order.length; i++) {
    const candidate = order[(start + i + order.length) % order.length];
    if (editors.some((e) => e.userId === candidate)) return candidate ?? null;
  }
  return editors[0]?.userId ?? null;
}

export function decide(command: DojoCommand, state: DojoState): NewDojoEvent[] {
  if (command.type === 'schedule') {
    if (state.exists) throw new IllegalStateError(DOJO_ERR.ALREADY_EXISTS, 'This dojo already exists.');
    return [
      {
        type: 'dojo.scheduled',
        schemaVersion: 1,
        data: {
          title: command.title,
          kata: command.kata,
          language: command.language,
          starterCode: command.starterCode,
          scheduledAt: command.scheduledAt,
          rotationMinutes: command.rotationMinutes,
          createdBy: command.by,
          createdAt: iso(command.now),
        },
      },
    ];
  }
  if (!state.exists) throw new NotFoundError(DOJO_ERR.NOT_FOUND, 'No dojo with this id.');
  const now = iso(command.now);
  switch (command.type) {
    case 'start':
      if (state.status === 'ended') throw new IllegalStateError(DOJO_ERR.ALREADY_ENDED, 'This dojo has ended.');
      if (state.status === 'live') return [];
      return [{ type: 'dojo.started', schemaVersion: 1, data: { startedAt: now, startedBy: command.by } }];
    case 'join': {
      // Watching an ended dojo is allowed and changes nothing.
      if (state.status === 'ended') return [];
      const known = state.participants.find((p) => p.userId === command.userId);
      if (known?.present) return [];
      const kind = command.observer ? 'observer' : 'editor';
      const events: NewDojoEvent[] = [];
      if (state.status === 'scheduled' && kind === 'editor') {
        events.push({ type: 'dojo.started', schemaVersion: 1, data: { startedAt: now, startedBy: command.userId } });
      }
      events.push({
        type: 'dojo.participant_joined',
        schemaVersion: 1,
        data: { userId: command.userId, displayName: command.displayName, kind, joinedAt: now },
      });
      if (kind === 'editor' && state.pilot === null) {
        events.push({
          type: 'dojo.pilot_rotated',
          schemaVersion: 1,
          data: { from: null, to: command.userId, rotationEndsAt: later(command.now, state.rotationMinutes), reason: 'joined', rotatedAt: now },
        });
      }
      return events;
    }
    case 'leave': {
      const known = state.participants.find((p) => p.userId === command.userId);
      if (!known?.present || state.status === 'ended') return [];
      const events: NewDojoEvent[] = [{ type: 'dojo.participant_left', schemaVersion: 1, data: { userId: command.userId, leftAt: now } }];
      if (state.pilot === command.userId) {
        const to = nextPilot(state, state.pilot, command.userId);
        events.push({
          type: 'dojo.pilot_rotated',
          schemaVersion: 1,
          data: { from: state.pilot, to, rotationEndsAt: to === null ? null : later(command.now, state.rotationMinutes), reason: 'left', rotatedAt: now },
        });
      }
      return events;
    }
    case 'rotate': {
      if (state.status !== 'live' || state.pilot === null || state.rotationEndsAt === null) return [];
      if (command.now.getTime() < Date.parse(state.rotationEndsAt)) return [];
      const to = nextPilot(state, state.pilot);
      return [
        {
          type: 'dojo.pilot_rotated',
          schemaVersion: 1,
          data: { from: state.pilot, to, rotationEndsAt: to === null ? null : later(command.now, state.rotationMinutes), reason: 'schedule', rotatedAt: now },
        },
      ];
    }
    case 'end':
      if (state.status === 'ended') throw new IllegalStateError(DOJO_ERR.ALREADY_ENDED, 'This dojo has already ended.');
      if (!command.mayEndAny && command.by !== state.createdBy) {
        throw new ForbiddenError(DOJO_ERR.NOT_ALLOWED_TO_END, 'Only the creator of a dojo, an owner or an admin may end it.');
      }
      return [{ type: 'dojo.ended', schemaVersion: 1, data: { endedAt: now, endedBy: command.by } }];
    case 'record_snapshot':
      return [
        {
          type: 'dojo.snapshot_saved',
          schemaVersion: 1,
          data: { bytes: command.bytes, updates: command.updates, textLength: command.textLength, savedAt: now },
        },
      ];
    default: {
      const never: never = command;
      throw new Error(`unknown command ${JSON.stringify(never)}`);
    }
  }
}

export function evolve(state: DojoState, event: NewDojoEvent): DojoState {
  switch (event.type) {
    case 'dojo.scheduled':
      return {
        ...state,
        exists: true,
        title: event.data.title,
        kata: event.data.kata,
        language: event.data.language,
        starterCode: event.data.starterCode,
        scheduledAt: event.data.scheduledAt,
        rotationMinutes: event.data.rotationMinutes,
        createdBy: event.data.createdBy,
        createdAt: event.data.createdAt,
      };
    case 'dojo.started':
      return { ...state, status: 'live', startedAt: event.data.startedAt };
    case 'dojo.participant_joined': {
      const { userId, displayName, kind } = event.data;
      const exists = state.participants.some((p) => p.userId === userId);
      return {
        ...state,
        participants: exists
          ? state.participants.map((p) => (p.userId === userId ? { userId, displayName, kind, present: true } : p))
          : [...state.participants, { userId, displayName, kind, present: true }],
      };
    }
    case 'dojo.participant_left':
      return { ...state, participants: state.participants.map((p) => (p.userId === event.data.userId ? { ...p, present: false } : p)) };
    case 'dojo.pilot_rotated':
      return { ...state, pilot: event.data.to, rotationEndsAt: event.data.rotationEndsAt };
    case 'dojo.ended':
      return {
        ...state,
        status: 'ended',
        endedAt: event.data.endedAt,
        pilot: null,
        rotationEndsAt: null,
        participants: state.participants.map((p) => ({ ...p, present: false })),
      };
    case 'dojo.snapshot_saved':
      return state;
    default: {
      const never: never = event;
      throw new Error(`unknown event ${JSON.stringify(never)}`);
    }
  }
}

export const fold = (events: readonly NewDojoEvent[], from: DojoState = initialState()): DojoState => events.reduce(evolve, from);

/** The participants as API.md shows them: the pilot, co-pilots and observers. */
export function participantsView(state: DojoState): { userId: string; displayName: string; role: 'pilot' | 'copilot' | 'observer'; present: boolean }[] {
  return state.participants.map((p) => ({
    userId: p.userId,
    displayName: p.displayName,
    role: p.kind === 'observer' ? 'observer' : p.userId === state.pilot ? 'pilot' : 'copilot',
    present: p.present,
  }));
}

import { randomUUID } from 'node:crypto';
import { type Kysely, type Transaction, sql } from 'kysely';
import { upcastDojoEvent, type Dojo } from '@poc/contracts/dojo';
import { ConcurrencyError, type PostgresEventStore, ValidationError, appendInTransaction, asSystem, withTenant } from '@poc/platform';
import { type DojoCommand, type DojoState, decide, fold, participantsView } from '../domain/dojo.ts';
import { initialDocument } from '../domain/session.ts';
import { DOJO_ERR } from '../errors.ts';
import { DocumentStore } from './documents.ts';

interface DojoRow {
  id: string;
  title: string;
  kata: string | null;
  language: string;
  status: Dojo['status'];
  scheduled_at: Date | null;
  started_at: Date | null;
  ended_at: Date | null;
  rotation_minutes: number;
  pilot: string | null;
  rotation_ends_at: Date | null;
  participants: Dojo['participants'];
  created_by: string;
  created_at: Date;
  version: number;
}

const toDojo = (r: DojoRow): Dojo => ({
  id: r.id,
  title: r.title,
  kata: r.kata,
  language: r.language,
  status: r.status,
  scheduledAt: r.scheduled_at?.toISOString() ?? null,
  startedAt: r.started_at?.toISOString() ?? null,
  endedAt: r.ended_at?.toISOString() ?? null,
  rotationMinutes: r.rotation_minutes,
  pilot: r.pilot,
  rotationEndsAt: r.rotation_ends_at?.toISOString() ?? null,
  participants: r.participants,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  version: r.version,
});

export interface Executed {
  readonly state: DojoState;
  readonly version: number;
  /** How many events this command appended (0: nothing changed). */
  readonly appended: number;
}

/**
 * Dojo commands against the event store (`dojo-<id>` streams, retried on a
 * concurrent append), with the `dojo.dojos` read model written in the same
 * transaction as the events.
 */
export class DojoRepository {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly events: PostgresEventStore,
  ) {}

  async load(tenantId: string, dojoId: string): Promise<{ state: DojoState; version: number }> {
    const stored = await this.events.readStream(tenantId, `dojo-${dojoId}`);
    return { state: fold(stored.map(upcastDojoEvent)), version: stored.length };
  }

  async execute(tenantId: string, dojoId: string, command: DojoCommand, actor: string): Promise<Executed> {
    for (let attempt = 0; ; attempt++) {
      const { state, version } = await this.load(tenantId, dojoId);
      const events = decide(command, state);
      if (events.length === 0) return { state, version, appended: 0 };
      const next = fold(events, state);
      try {
        // The read model commits with the events (or neither does).
        const result = await withTenant(this.db, tenantId, async (trx) => {
          const appended = await appendInTransaction(trx, `dojo-${dojoId}`, version === 0 ? 'no_stream' : version, events, {
            tenantId,
            actor,
            correlationId: randomUUID(),
          });
          await upsertRow(trx, tenantId, dojoId, next, appended.version);
          if (command.type === 'schedule') {
            await DocumentStore.insertIn(trx as Kysely<unknown>, { tenantId, dojoId }, initialDocument(command.starterCode, next));
          }
          return appended;
        });
        return { state: next, version: result.version, appended: events.length };
      } catch (error) {
        if (error instanceof ConcurrencyError && attempt < 8) continue;
        throw error;
      }
    }
  }

  async get(tenantId: string, dojoId: string): Promise<Dojo | null> {
    return withTenant(this.db, tenantId, async (trx) => {
      const result = await sql<DojoRow>`select * from dojo.dojos where id = ${dojoId}`.execute(trx);
      const row = result.rows[0];
      return row ? toDojo(row) : null;
    });
  }

  /** A tenant's dojos, newest first, by keyset cursor. */
  async list(tenantId: string, options: { status?: Dojo['status']; limit: number; cursor?: string }): Promise<{ items: Dojo[]; nextCursor: string | null }> {
    let after: { createdAt: string; id: string } | null = null;
    if (options.cursor) {
      try {
        after = JSON.parse(Buffer.from(options.cursor, 'base64url').toString()) as { createdAt: string; id: string };
        if (typeof after.createdAt !== 'string' || typeof after.id !== 'string' || Number.isNaN(Date.parse(after.createdAt))) throw new Error('shape');
      } catch {
        throw new ValidationError(DOJO_ERR.BAD_CURSOR, 'The cursor is not one this API returned.', [{ path: 'querystring.cursor', message: 'invalid cursor' }]);
      }
    }
    return withTenant(this.db, tenantId, async (trx) => {
      const result = await sql<DojoRow>`
        select * from dojo.dojos
        where true
          ${options.status ? sql`and status = ${options.status}` : sql``}
          ${after ? sql`and (created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)` : sql``}
        order by created_at desc, id desc
        limit ${options.limit + 1}`.execute(trx);
      const rows = result.rows.slice(0, options.limit);
      const last = rows.at(-1);
      const nextCursor =
        result.rows.length > options.limit && last
          ? Buffer.from(JSON.stringify({ createdAt: last.created_at.toISOString(), id: last.id })).toString('base64url')
          : null;
      return { items: rows.map(toDojo), nextCursor };
    });
  }

  /** Which tenant a dojo belongs to, across tenants (the sync socket tells 4403 from 4404). */
  async tenantOf(dojoId: string): Promise<{ tenantId: string; status: Dojo['status'] } | null> {
    return asSystem(this.db, async (trx) => {
      const result = await sql<{ tenant_id: string; status: Dojo['status'] }>`select tenant_id, status from dojo.dojos where id = ${dojoId}`.execute(trx);
      const row = result.rows[0];
      return row ? { tenantId: row.tenant_id, status: row.status } : null;
    });
  }
}

async function upsertRow(trx: Transaction<unknown>, tenantId: string, id: string, s: DojoState, version: number): Promise<void> {
  await sql`
    insert into dojo.dojos (tenant_id, id, title, kata, language, status, scheduled_at, started_at, ended_at, rotation_minutes, pilot, rotation_ends_at, participants, created_by, created_at, version)
    values (${tenantId}, ${id}, ${s.title}, ${s.kata}, ${s.language}, ${s.status}, ${s.scheduledAt}, ${s.startedAt}, ${s.endedAt}, ${s.rotationMinutes},
      ${s.pilot}, ${s.rotationEndsAt}, ${JSON.stringify(participantsView(s))}::jsonb, ${s.createdBy}, ${s.createdAt}, ${version})
    on conflict (id) do update set status = excluded.status, started_at = excluded.started_at, ended_at = excluded.ended_at,
      pilot = excluded.pilot, rotation_ends_at = excluded.rotation_ends_at, participants = excluded.participants, version = excluded.version`.execute(trx);
}

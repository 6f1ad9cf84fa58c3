import { type Kysely, type Transaction, sql } from 'kysely';
import { type Poc, type PocState, evolvePoc, initialPocState, toRecordedPocEvent } from '@poc/contracts';
import { type EventRow, asSystem, toStored, withTenant } from '@poc/platform';
import type { DojoCard, PocCard, YearInReviewInput } from '@poc/video-composition';
import type { VideoResolution } from '@poc/contracts';

const yearBounds = (year: number) => ({ from: new Date(Date.UTC(year, 0, 1)), to: new Date(Date.UTC(year + 1, 0, 1)) });
const EVENT_COLUMNS = sql`position, tx_id::text as tx_id, id, tenant_id, stream_id, version, type, schema_version, data, actor, correlation_id, causation_id, traceparent, occurred_at`;

function topOf(values: readonly string[]): { label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)).slice(0, 20);
}

/** The POCs the user created in the year, as they stand now (deleted ones left out), oldest first. */
async function pocsOf(trx: Transaction<unknown>, tenantId: string, userId: string, year: number): Promise<Poc[]> {
  const { from, to } = yearBounds(year);
  const rows = (await sql<EventRow>`
    select ${EVENT_COLUMNS} from eventstore.events
    where tenant_id = ${tenantId} and stream_id in (
      select stream_id from eventstore.events
      where tenant_id = ${tenantId} and type = 'poc.created' and actor = ${`user:${userId}`} and occurred_at >= ${from} and occurred_at < ${to})
    order by stream_id, version`.execute(trx)).rows;
  const states = new Map<string, PocState>();
  for (const row of rows) states.set(row.stream_id, evolvePoc(states.get(row.stream_id) ?? initialPocState(), toRecordedPocEvent(toStored(row))));
  return [...states.values()].flatMap((s) => (s.kind === 'active' ? [s.poc] : [])).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Dojos the user joined in the year (first join counts), with the title and language they were scheduled with. */
async function dojosOf(trx: Transaction<unknown>, tenantId: string, userId: string, year: number): Promise<DojoCard[]> {
  const { from, to } = yearBounds(year);
  const rows = (await sql<{ title: string | null; language: string | null; joined: Date }>`
    select s.data->>'title' as title, s.data->>'language' as language, j.joined
    from (select stream_id, min(occurred_at) as joined from eventstore.events
          where tenant_id = ${tenantId} and type = 'dojo.participant_joined' and data->>'userId' = ${userId}
            and occurred_at >= ${from} and occurred_at < ${to}
          group by stream_id) j
    left join eventstore.events s on s.tenant_id = ${tenantId} and s.stream_id = j.stream_id and s.type = 'dojo.scheduled'
    order by j.joined`.execute(trx)).rows;
  return rows.map((r) => ({ title: r.title ?? 'Dojo', language: r.language ?? '', date: r.joined.toISOString() }));
}

/** The name the user registered with (the latest `user.registered`), if any. */
async function nameOf(trx: Transaction<unknown>, tenantId: string, userId: string): Promise<string | null> {
  const row = (await sql<{ name: string | null }>`
    select data->>'displayName' as name from eventstore.events
    where tenant_id = ${tenantId} and type = 'user.registered' and data->>'userId' = ${userId}
    order by position desc limit 1`.execute(trx)).rows[0];
  return row?.name?.trim() || null;
}

const card = (poc: Poc): PocCard => ({
  name: poc.name,
  languages: [...poc.languages],
  tags: [...poc.tags],
  status: poc.status,
  createdAt: poc.createdAt,
  startedAt: poc.startedAt,
  finishedAt: poc.finishedAt,
});

/**
 * One user's year, from the product's own events (so private work counts and
 * the numbers are exact): the POCs they created in that calendar year (UTC)
 * folded to their current state, the dojos they joined, their name. Read in a
 * transaction scoped to the tenant: row-level security keeps it there.
 */
export async function gatherYear(db: Kysely<unknown>, job: { tenantId: string; userId: string; year: number; resolution: VideoResolution }, pace = 1): Promise<YearInReviewInput> {
  return withTenant(db, job.tenantId, async (trx) => {
    const pocs = await pocsOf(trx, job.tenantId, job.userId, job.year);
    const dojos = await dojosOf(trx, job.tenantId, job.userId, job.year);
    const name = await nameOf(trx, job.tenantId, job.userId);
    return {
      userName: (name ?? 'You').slice(0, 200),
      year: job.year,
      resolution: job.resolution,
      pace,
      pocs: pocs.map(card),
      topLanguages: topOf(pocs.flatMap((p) => p.languages)),
      topTags: topOf(pocs.flatMap((p) => p.tags)),
      dojos,
    };
  });
}

/** Every (tenant, user) who created a POC in the year: whom the year-end job asks a video for. Optionally one tenant. */
export async function usersWithPocs(db: Kysely<unknown>, year: number, tenantId?: string): Promise<{ tenantId: string; userId: string }[]> {
  const { from, to } = yearBounds(year);
  const run = async (trx: Transaction<unknown>) =>
    (await sql<{ tenant_id: string; actor: string }>`
      select distinct tenant_id, actor from eventstore.events
      where type = 'poc.created' and actor like 'user:%' and occurred_at >= ${from} and occurred_at < ${to}
        ${tenantId ? sql`and tenant_id = ${tenantId}` : sql``}
      order by tenant_id, actor`.execute(trx)).rows.map((r) => ({ tenantId: r.tenant_id, userId: r.actor.slice('user:'.length) }));
  return tenantId ? withTenant(db, tenantId, run) : asSystem(db, run);
}

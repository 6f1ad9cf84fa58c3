import { type Kysely, type Migration, type RawBuilder, sql } from 'kysely';
import { migrate } from '../db/migrate.ts';
import {
  FACET_SIZE,
  type FacetCount,
  type SearchDocument,
  type SearchHit,
  type SearchPage,
  type SearchPort,
  type SearchQuery,
  type SearchSort,
  type SearchWriteOptions,
  type Suggestions,
  allowedEdits,
  decodeSearchCursor,
  encodeSearchCursor,
  searchWords,
} from '../ports/search.ts';
import { type HighlightTerm, highlightText } from './search-highlight.ts';

const LIVE = 'search_pocs';
const REBUILD = /^search_pocs_r[a-z0-9]{1,20}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Corrections tried per query word. */
const MAX_CORRECTIONS = 5;

/** The PostgreSQL schema that holds a tenant's read models and search tables. */
export function tenantSchema(tenantId: string): string {
  if (!UUID.test(tenantId)) throw new Error(`not a tenant id: ${tenantId}`);
  return `tenant_${tenantId.toLowerCase().replace(/-/g, '')}`;
}

/**
 * Shared objects, created once per database: the extensions (in schema
 * `extensions`), the `search.poc` text search configuration (simple +
 * unaccent), the IMMUTABLE `search.fold` (lower + unaccent, indexable), and
 * the trigger that keeps a search table's facet counts and word list.
 */
export const searchMigrations: Record<string, Migration> = {
  '001_search': {
    async up(db) {
      await sql`
        create schema if not exists extensions;
        create extension if not exists unaccent schema extensions;
        create extension if not exists pg_trgm schema extensions;
        create extension if not exists fuzzystrmatch schema extensions;
        create schema if not exists search;
        create text search configuration search.poc (copy = pg_catalog.simple);
        alter text search configuration search.poc
          alter mapping for word, numword, hword, hword_part, hword_numpart, numhword with extensions.unaccent, simple;
        create function search.fold(text) returns text language sql immutable parallel safe strict
          as $$ select lower(extensions.unaccent('extensions.unaccent'::regdictionary, $1)) $$;
        -- Per statement, with transition tables: one upsert of a batch is one update of the counts.
        create function search.track_pocs() returns trigger language plpgsql as $fn$
        declare
          facets text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_facets');
          words text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_words');
          delta text := 'insert into %s (facet, value, count)
            select facet, value, %s count(*) from (
              select ''language'' as facet, unnest(languages) as value from %s
              union all select ''tag'', unnest(tags) from %s
              union all select ''status'', status from %s) x
            group by facet, value order by facet, value
            on conflict (facet, value) do update set count = %s.count + excluded.count';
        begin
          if TG_OP in ('UPDATE', 'DELETE') then
            execute format(delta, facets, '-', 'old_rows', 'old_rows', 'old_rows', facets);
          end if;
          if TG_OP in ('INSERT', 'UPDATE') then
            execute format(delta, facets, '', 'new_rows', 'new_rows', 'new_rows', facets);
            execute format('insert into %s (word) select distinct w from new_rows, unnest(tsvector_to_array(document)) w order by 1 on conflict do nothing', words);
          end if;
          return null;
        end $fn$;
      `.execute(db);
    },
  },
};

interface Row {
  id: string;
  source: SearchDocument;
  score: number;
  key: string | number;
}

interface Terms {
  word: string;
  scope: 'all' | 'name';
  corrections: string[];
}

interface Result {
  hits: Row[] | null;
  terms: Terms[] | null;
  total: number | string | null;
  languages: FacetCount[] | null;
  tags: FacetCount[] | null;
  status: FacetCount[] | null;
}

/**
 * The embedded search adapter: PostgreSQL full text (`search.poc`: simple +
 * unaccent) for words and prefixes, `fuzzystrmatch` + `pg_trgm` over a
 * per-table word list for typos, GIN indexes for tag and language filters,
 * facet counts kept by a statement trigger (so unfiltered facets cost a
 * lookup), in the tenant's schema (`tenant_<uuid without dashes>`):
 * `search_pocs`, `search_pocs_words`, `search_pocs_facets`.
 *
 * @example
 * await PostgresSearch.migrate(db);
 * const search = new PostgresSearch(db);
 * await search.provisionTenant(tenantId);
 */
export class PostgresSearch implements SearchPort {
  constructor(private readonly db: Kysely<unknown>) {}

  static async migrate(db: Kysely<unknown>): Promise<void> {
    await migrate(db, 'search', searchMigrations);
  }

  async provisionTenant(tenantId: string): Promise<void> {
    const schema = tenantSchema(tenantId);
    await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`search-${schema}`}))`.execute(trx);
      const exists = await sql<{ t: string | null }>`select to_regclass(${`${schema}.${LIVE}`})::text as t`.execute(trx);
      if (exists.rows[0]?.t) return;
      await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
      await createTables(trx, schema, LIVE);
      await seal(trx, schema, LIVE);
    });
  }

  async upsert(tenantId: string, documents: readonly SearchDocument[], options: SearchWriteOptions = {}): Promise<void> {
    if (documents.length === 0) return;
    const schema = tenantSchema(tenantId);
    const table = tableName(options.index);
    // One statement cannot touch a row twice: keep the newest version of each id.
    const newest = new Map<string, SearchDocument>();
    for (const doc of documents) {
      const seen = newest.get(doc.id);
      if (!seen || seen.version < doc.version) newest.set(doc.id, doc);
    }
    const rows = [...newest.values()].map((doc) => ({
      ...doc,
      name_words: searchWords(doc.name).join(' '),
      tag_words: doc.tags.flatMap((t) => searchWords(t)).join(' '),
      description_words: (doc.description.match(/[\p{L}\p{N}]+/gu) ?? []).join(' '),
      source: doc,
    }));
    await sql`
      insert into ${sql.id(schema, table)} as t (id, name, description, languages, tags, status, created_by, created_at, version, sort_name, name_key, document, source)
      select r.id, r.name, r.description, r.languages, r.tags, r.status, r."createdBy", r."createdAt", r.version,
        search.fold(r.name), search.fold(r.name_words),
        setweight(to_tsvector('search.poc', r.name_words), 'A')
          || setweight(to_tsvector('search.poc', r.tag_words), 'B')
          || setweight(to_tsvector('search.poc', r.description_words), 'C'),
        r.source
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        id uuid, name text, description text, languages text[], tags text[], status text, "createdBy" text,
        "createdAt" timestamptz, version integer, name_words text, tag_words text, description_words text, source jsonb)
      order by r.id
      on conflict (id) do update set
        name = excluded.name, description = excluded.description, languages = excluded.languages, tags = excluded.tags,
        status = excluded.status, created_by = excluded.created_by, created_at = excluded.created_at, version = excluded.version,
        sort_name = excluded.sort_name, name_key = excluded.name_key, document = excluded.document, source = excluded.source
      where t.version < excluded.version`.execute(this.db);
  }

  async remove(tenantId: string, ids: readonly string[], options: SearchWriteOptions = {}): Promise<void> {
    if (ids.length === 0) return;
    const valid = ids.filter((id) => UUID.test(id));
    await sql`delete from ${sql.id(tenantSchema(tenantId), tableName(options.index))} where id = any(${valid}::uuid[])`.execute(this.db);
  }

  async search(tenantId: string, query: SearchQuery): Promise<SearchPage> {
    const schema = tenantSchema(tenantId);
    const qWords = searchWords(query.q ?? '');
    const nameWords = searchWords(query.name ?? '');
    const hasText = qWords.length + nameWords.length > 0;
    const sort: SearchSort = query.sort ?? (hasText ? 'relevance' : '-createdAt');
    const cursor = query.cursor ? decodeSearchCursor(query.cursor, sort) : null;
    const t = (name: string) => sql.id(schema, `${LIVE}${name}`);

    // Each filter by name, so a facet can leave its own out.
    const filters: Record<string, RawBuilder<unknown> | undefined> = {
      text: hasText ? sql`d.document @@ tsq.q` : undefined,
      languages: query.languages?.length ? sql`d.languages && ${[...query.languages]}::text[]` : undefined,
      tags: query.tags?.length ? sql`d.tags @> ${[...query.tags]}::text[]` : undefined,
      status: query.status ? sql`d.status = ${query.status}` : undefined,
      from: query.from ? sql`d.created_at >= ${query.from}::timestamptz` : undefined,
      to: query.to ? sql`d.created_at < ${query.to}::timestamptz` : undefined,
      createdBy: query.createdBy ? sql`d.created_by = ${query.createdBy}` : undefined,
    };
    const where = (except?: string) => {
      const parts = Object.entries(filters).filter(([k, v]) => v && k !== except).map(([, v]) => v!);
      return parts.length ? sql`where ${sql.join(parts, sql` and `)}` : sql``;
    };
    const unfiltered = (except?: string) => Object.entries(filters).every(([k, v]) => !v || k === except);
    const from = hasText ? sql`${t('')} d, tsq` : sql`${t('')} d`;

    const score = hasText
      ? sql`(ts_rank('{0.1, 0.2, 0.4, 1.0}', d.document, tsq.q) + ts_rank('{0.1, 0.2, 0.4, 1.0}', d.document, tsq.exact)
            + case when d.name_key = tsq.phrase then 4 else 0 end)::float8`
      : sql`0::float8`;
    const order = {
      relevance: { key: sql`m.score`, page: sql`m.score desc, m.id`, after: (k: unknown, id: string) => sql`(m.score < ${k}::float8 or (m.score = ${k}::float8 and m.id > ${id}::uuid))` },
      '-createdAt': {
        key: sql`to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        page: sql`m.created_at desc, m.id desc`,
        after: (k: unknown, id: string) => sql`(m.created_at, m.id) < (${k}::timestamptz, ${id}::uuid)`,
      },
      name: { key: sql`m.sort_name`, page: sql`m.sort_name, m.id`, after: (k: unknown, id: string) => sql`(m.sort_name, m.id) > (${k}::text collate "C", ${id}::uuid)` },
    }[sort];

    const facet = (name: 'language' | 'tag' | 'status', column: RawBuilder<unknown>, except?: string) =>
      unfiltered(except)
        ? sql`(select coalesce(json_agg(json_build_object('value', f.value, 'count', f.count) order by f.count desc, f.value collate "C"), '[]')
              from (select value, count from ${t('_facets')} where facet = ${name} and count > 0 order by count desc, value collate "C" limit ${FACET_SIZE}) f)`
        : sql`(select coalesce(json_agg(json_build_object('value', f.value, 'count', f.count) order by f.count desc, f.value collate "C"), '[]')
              from (select v.value, count(*)::int as count from ${from}, lateral ${column} as v(value) ${where(except)}
                    group by v.value order by count(*) desc, v.value collate "C" limit ${FACET_SIZE}) f)`;

    const total = unfiltered()
      ? sql`(select coalesce(sum(count), 0) from ${t('_facets')} where facet = 'status')`
      : sql`(select count(*) from ${from} ${where()})`;

    const words = [...qWords.map((w) => [w, 'all'] as const), ...nameWords.map((w) => [w, 'name'] as const)];
    const tsq = hasText
      ? sql`with words as materialized (
          select u.i, u.scope, search.fold(u.raw) as w, u.edits
          from unnest(${words.map(([w]) => w)}::text[], ${words.map(([, s]) => s)}::text[], ${words.map(([w]) => allowedEdits(w))}::int[])
            with ordinality as u(raw, scope, edits, i)
        ), alts as materialized (
          select words.*, array(
            select c.word from (
              select l.word, extensions.levenshtein_less_equal(l.word, words.w, words.edits) as d
              from ${t('_words')} l
              where words.edits > 0 and l.word <> words.w
                and char_length(l.word) between char_length(words.w) - words.edits and char_length(words.w) + words.edits
                and (l.word operator(extensions.%) words.w
                     or (l.word >= left(words.w, 1) and l.word < left(words.w, 1) || chr(1114111)))
            ) c where c.d <= words.edits order by c.d, c.word limit ${MAX_CORRECTIONS}) as corrections
          from words
        ), parts as (
          select i, w, scope, corrections, case when scope = 'name' then ':A' else '' end as weight,
            case when scope = 'name' then 'A' else '' end as prefix_weight, quote_literal(w) as lit from alts
        ), tsq as materialized (
          select
            to_tsquery('search.poc', string_agg('(' || array_to_string(
              array[lit || case when char_length(w) >= 2 then ':*' || prefix_weight else weight end]
                || array(select quote_literal(c) || weight from unnest(corrections) c), ' | ') || ')', ' & ' order by i)) as q,
            to_tsquery('search.poc', string_agg(lit || weight, ' | ' order by i)) as exact,
            search.fold(${(qWords.length ? qWords : nameWords).join(' ')}) as phrase,
            json_agg(json_build_object('word', w, 'scope', scope, 'corrections', corrections) order by i) as terms
          from parts
        ) `
      : sql``;

    const result = await sql<Result>`
      ${tsq}
      select
        (select json_agg(json_build_object('id', p.id, 'source', p.source, 'score', p.score, 'key', p.key) order by p.n) from (
          select m.id, m.source, m.score, ${order.key} as key, row_number() over (order by ${order.page}) as n from (
            select d.id, d.source, d.created_at, d.sort_name, ${score} as score from ${from} ${where()}
          ) m
          ${cursor ? sql`where ${order.after(cursor.key, cursor.id)}` : sql``}
          order by ${order.page}
          limit ${query.limit + 1}
        ) p) as hits,
        ${hasText ? sql`(select terms from tsq)` : sql`null::json`} as terms,
        ${total} as total,
        ${facet('language', sql`unnest(d.languages)`, 'languages')} as languages,
        ${facet('tag', sql`unnest(d.tags)`)} as tags,
        ${facet('status', sql`(select d.status)`, 'status')} as status`.execute(this.db);

    const r = result.rows[0]!;
    const rows = r.hits ?? [];
    const page = rows.slice(0, query.limit);
    const terms = r.terms ?? [];
    const last = page[page.length - 1];
    return {
      hits: page.map((row) => toHit(row, terms)),
      total: Number(r.total ?? 0),
      facets: { languages: r.languages ?? [], tags: r.tags ?? [], status: r.status ?? [] },
      nextCursor: rows.length > query.limit && last ? encodeSearchCursor(sort, last.key, last.id) : null,
    };
  }

  async suggest(tenantId: string, prefix: string, limit = 5): Promise<Suggestions> {
    const schema = tenantSchema(tenantId);
    const words = searchWords(prefix);
    if (words.length === 0) return { names: [], tags: [], languages: [] };
    const t = (name: string) => sql.id(schema, `${LIVE}${name}`);
    const result = await sql<{ names: string[] | null; tags: string[] | null; languages: string[] | null }>`
      with w as materialized (select array_agg(search.fold(x)) as words, search.fold(${words.join(' ')}) as phrase from unnest(${words}::text[]) x),
      q as materialized (
        select to_tsquery('search.poc', string_agg(quote_literal(x) || ':*A', ' & ')) as q from w, unnest(w.words) x
      )
      select
        (select array_agg(name) from (
          select d.source->>'name' as name from ${t('')} d, q, w where d.document @@ q.q
          order by starts_with(d.sort_name, w.phrase) desc, d.sort_name, d.id limit ${limit}) n) as names,
        (select array_agg(value) from (
          select f.value from ${t('_facets')} f, w
          where f.facet = 'tag' and f.count > 0
            and (select bool_and(search.fold(f.value) ~ ('(^|[^[:alnum:]])' || x)) from unnest(w.words) x)
          order by f.count desc, f.value collate "C" limit ${limit}) tg) as tags,
        (select array_agg(value) from (
          select f.value from ${t('_facets')} f, w
          where f.facet = 'language' and f.count > 0
            and (select bool_and(search.fold(f.value) ~ ('(^|[^[:alnum:]])' || x)) from unnest(w.words) x)
          order by f.count desc, f.value collate "C" limit ${limit}) lg) as languages`.execute(this.db);
    const r = result.rows[0]!;
    return { names: r.names ?? [], tags: r.tags ?? [], languages: r.languages ?? [] };
  }

  async createIndex(tenantId: string): Promise<string> {
    const schema = tenantSchema(tenantId);
    const name = `${LIVE}_r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await this.db.transaction().execute(async (trx) => {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
      // Loaded bare (no indexes, no triggers): bulk writes stay fast; swapIndex finishes it.
      await createTables(trx, schema, name);
    });
    return name;
  }

  async swapIndex(tenantId: string, index: string): Promise<void> {
    const schema = tenantSchema(tenantId);
    const table = tableName(index);
    await this.db.transaction().execute(async (trx) => {
      await seal(trx, schema, table);
      await sql`insert into ${sql.id(schema, `${table}_facets`)} (facet, value, count)
        select facet, value, count(*) from (
          select 'language' as facet, unnest(languages) as value from ${sql.id(schema, table)}
          union all select 'tag', unnest(tags) from ${sql.id(schema, table)}
          union all select 'status', status from ${sql.id(schema, table)}) x
        group by facet, value`.execute(trx);
      await sql`insert into ${sql.id(schema, `${table}_words`)} (word)
        select distinct w from ${sql.id(schema, table)}, unnest(tsvector_to_array(document)) w`.execute(trx);
      // Readers blocked by the lock re-resolve the name after commit and read the new table.
      await sql`lock table ${sql.id(schema, LIVE)} in access exclusive mode`.execute(trx);
      for (const suffix of ['', '_words', '_facets']) {
        await sql`drop table if exists ${sql.id(schema, `${LIVE}${suffix}`)}`.execute(trx);
        await sql`alter table ${sql.id(schema, `${table}${suffix}`)} rename to ${sql.id(`${LIVE}${suffix}`)}`.execute(trx);
      }
    });
  }

  async dropIndex(tenantId: string, index: string): Promise<void> {
    const schema = tenantSchema(tenantId);
    const table = tableName(index);
    if (table === LIVE) throw new Error('dropIndex drops a rebuild index, not the live one');
    for (const suffix of ['', '_words', '_facets']) {
      await sql`drop table if exists ${sql.id(schema, `${table}${suffix}`)}`.execute(this.db);
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    // The pool belongs to the caller.
  }
}

function tableName(index: string | undefined): string {
  if (index === undefined || index === LIVE) return LIVE;
  if (!REBUILD.test(index)) throw new Error(`not a search index of this adapter: ${index}`);
  return index;
}

async function createTables(db: Kysely<unknown>, schema: string, table: string): Promise<void> {
  await sql`
    create table ${sql.id(schema, table)} (
      id uuid primary key,
      name text not null,
      description text not null,
      languages text[] not null,
      tags text[] not null,
      status text not null,
      created_by text not null,
      created_at timestamptz not null,
      version integer not null,
      sort_name text collate "C" not null,
      name_key text not null,
      document tsvector not null,
      source jsonb not null
    )`.execute(db);
  await sql`create table ${sql.id(schema, `${table}_words`)} (word text collate "C" primary key)`.execute(db);
  await sql`create table ${sql.id(schema, `${table}_facets`)} (
      facet text not null, value text not null, count integer not null, primary key (facet, value))`.execute(db);
}

/** Indexes and the counting trigger: what makes a loaded table searchable and self-maintaining. */
async function seal(db: Kysely<unknown>, schema: string, table: string): Promise<void> {
  const t = sql.id(schema, table);
  await sql`create index on ${t} using gin (document)`.execute(db);
  await sql`create index on ${t} using gin (languages)`.execute(db);
  await sql`create index on ${t} using gin (tags)`.execute(db);
  await sql`create index on ${t} (created_at desc, id desc)`.execute(db);
  await sql`create index on ${t} (sort_name, id)`.execute(db);
  await sql`create index on ${sql.id(schema, `${table}_words`)} using gin (word extensions.gin_trgm_ops)`.execute(db);
  await sql`create trigger track_insert after insert on ${t} referencing new table as new_rows
    for each statement execute function search.track_pocs()`.execute(db);
  await sql`create trigger track_update after update on ${t} referencing old table as old_rows new table as new_rows
    for each statement execute function search.track_pocs()`.execute(db);
  await sql`create trigger track_delete after delete on ${t} referencing old table as old_rows
    for each statement execute function search.track_pocs()`.execute(db);
}

function toHit(row: Row, terms: readonly Terms[]): SearchHit {
  const doc = row.source;
  const all: HighlightTerm[] = terms.map((t) => ({ word: t.word, corrections: t.corrections }));
  const anyField = terms.filter((t) => t.scope === 'all').map((t) => ({ word: t.word, corrections: t.corrections }));
  const highlight: Record<string, string> = {};
  if (all.length > 0) {
    const name = highlightText(doc.name, all);
    if (name) highlight.name = name;
    const description = anyField.length ? highlightText(doc.description, anyField, true) : null;
    if (description) highlight.description = description;
    const tags = anyField.length ? doc.tags.map((tag) => highlightText(tag, anyField)).filter((x): x is string => x !== null) : [];
    if (tags.length) highlight.tags = tags.join(', ');
  }
  return { id: row.id, score: row.score, document: doc, highlight };
}

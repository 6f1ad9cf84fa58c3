import { type Kysely, type Migration, type RawBuilder, sql } from 'kysely';
import { migrate } from '../db/migrate.ts';
import { tenantSchemaName } from '../tenancy/placement.ts';
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
/** The tables of one index: the searchable rows, the documents, the word list, the facet counts (and per language and tag). */
const SUFFIXES = ['', '_docs', '_words', '_facets', '_pairs'];
const REBUILD = /^search_pocs_r[a-z0-9]{1,20}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Corrections tried per query word. */
const MAX_CORRECTIONS = 5;
/** Words a prefix may stand for before it is looked up as a prefix. */
const PREFIX_WORDS = 32;

/**
 * Shared objects, created once per database: the extensions (in schema
 * `extensions`), the IMMUTABLE `search.fold` (lower + unaccent, indexable),
 * `search.words` (split and folded words to a tsvector) and the trigger that
 * keeps a search table's facet counts and word list.
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
        create function search.fold(text) returns text language sql immutable parallel safe strict
          as $$ select lower(extensions.unaccent('extensions.unaccent'::regdictionary, $1)) $$;
        -- Words were split by the adapter (runs of letters and digits) and folded: no parser, no positions.
        create function search.words(text) returns tsvector language sql immutable parallel safe strict
          as $$ select array_to_tsvector(array_remove(string_to_array($1, ' '), '')) $$;
        -- A folded word as a tsquery lexeme literal (no parser, no dictionary: it is compared as is).
        create function search.lexeme(text) returns text language sql immutable parallel safe strict
          as $$ select '''' || replace(replace($1, '\\', '\\\\'), '''', '''''') || '''' $$;
        -- Per statement, with transition tables: one upsert of a batch is one update of the counts.
        create function search.track_pocs() returns trigger language plpgsql as $fn$
        declare
          facets text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_facets');
          words text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_words');
          delta text := 'insert into %s (facet, value, status, count)
            select facet, value, status, %s count(*) from (
              select ''language'' as facet, unnest(languages) as value, status from %s
              union all select ''tag'', unnest(tags), status from %s
              union all select ''status'', status, status from %s) x
            group by facet, value, status order by facet, value, status
            on conflict (facet, value, status) do update set count = %s.count + excluded.count';
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
  // Counts per (language, tag, status): the tags facet under one language (and a status) is a lookup.
  '002_search_pairs': {
    async up(db) {
      await sql`
        create function search.pairs_delta(pairs text, source text, sign text) returns text language sql immutable as $$
          select format('insert into %s (language, tag, status, count)
            select l, t, status, %s count(*) from %s, unnest(languages) l, unnest(tags) t
            group by l, t, status order by l, t, status
            on conflict (language, tag, status) do update set count = %s.count + excluded.count', pairs, sign, source, pairs) $$;
        create or replace function search.track_pocs() returns trigger language plpgsql as $fn$
        declare
          facets text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_facets');
          pairs text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_pairs');
          words text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME || '_words');
          delta text := 'insert into %s (facet, value, status, count)
            select facet, value, status, %s count(*) from (
              select ''language'' as facet, unnest(languages) as value, status from %s
              union all select ''tag'', unnest(tags), status from %s
              union all select ''status'', status, status from %s) x
            group by facet, value, status order by facet, value, status
            on conflict (facet, value, status) do update set count = %s.count + excluded.count';
        begin
          if TG_OP in ('UPDATE', 'DELETE') then
            execute format(delta, facets, '-', 'old_rows', 'old_rows', 'old_rows', facets);
            execute search.pairs_delta(pairs, 'old_rows', '-');
          end if;
          if TG_OP in ('INSERT', 'UPDATE') then
            execute format(delta, facets, '', 'new_rows', 'new_rows', 'new_rows', facets);
            execute search.pairs_delta(pairs, 'new_rows', '');
            execute format('insert into %s (word) select distinct w from new_rows, unnest(tsvector_to_array(document)) w order by 1 on conflict do nothing', words);
          end if;
          return null;
        end $fn$;
      `.execute(db);
      // Every search table already there (live or a rebuild's) gets its pair counts.
      const tables = await sql<{ schema: string; name: string }>`
        select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'r' and c.relname ~ '^search_pocs(_r[a-z0-9]{1,20})?$'
          and to_regclass(format('%I.%I', n.nspname, c.relname || '_facets')) is not null`.execute(db);
      for (const { schema, name } of tables.rows) {
        await createPairs(db, schema, name);
        await fillPairs(db, schema, name);
      }
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
 * The embedded search adapter: PostgreSQL full text (tsvectors of words
 * folded by `unaccent`, GIN-indexed) for words and prefixes, `fuzzystrmatch` + `pg_trgm` over a
 * per-table word list for typos, GIN indexes for tag and language filters,
 * facet counts kept by a statement trigger (so unfiltered facets cost a
 * lookup), in the tenant's schema (`tenant_<uuid without dashes>`):
 * `search_pocs` (narrow, indexed rows), `search_pocs_docs` (the documents),
 * `search_pocs_words`, `search_pocs_facets`.
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
    const schema = tenantSchemaName(tenantId);
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
    const schema = tenantSchemaName(tenantId);
    const table = tableName(options.index);
    // One statement cannot touch a row twice: keep the newest version of each id.
    const newest = new Map<string, SearchDocument>();
    for (const doc of documents) {
      const seen = newest.get(doc.id);
      if (!seen || seen.version < doc.version) newest.set(doc.id, doc);
    }
    const rows = [...newest.values()].map((doc) => {
      const name = searchWords(doc.name, Infinity).join(' ');
      const tags = doc.tags.flatMap((t) => searchWords(t, Infinity)).join(' ');
      return { ...doc, _name: name, _tags: tags, _all: `${name} ${tags} ${searchWords(doc.description, Infinity).join(' ')}` };
    });
    // The document itself goes to a side table: the scans behind counts and facets read narrow rows.
    await sql`
      with input as (
        select r.*, e - '{_name,_tags,_all}'::text[] as source
        from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as e,
          lateral jsonb_to_record(e) as r(id uuid, name text, languages text[], tags text[], status text, "createdBy" text,
            "createdAt" timestamptz, version integer, _name text, _tags text, _all text)
      ), written as (
        insert into ${sql.id(schema, table)} as t (id, name, languages, tags, status, created_by, created_at, version, sort_name, name_key, name_doc, tags_doc, document)
        select r.id, r.name, r.languages, r.tags, r.status, r."createdBy", r."createdAt", r.version,
          search.fold(r.name), n.key, search.words(n.key), search.words(search.fold(r._tags)), search.words(search.fold(r._all))
        from input r, lateral (select search.fold(r._name) as key) n
        order by r.id
        on conflict (id) do update set
          name = excluded.name, languages = excluded.languages, tags = excluded.tags, status = excluded.status, created_by = excluded.created_by,
          created_at = excluded.created_at, version = excluded.version, sort_name = excluded.sort_name, name_key = excluded.name_key,
          name_doc = excluded.name_doc, tags_doc = excluded.tags_doc, document = excluded.document
        where t.version < excluded.version
        returning id
      )
      insert into ${sql.id(schema, `${table}_docs`)} as s (id, source)
      select input.id, input.source from input join written using (id) order by input.id
      on conflict (id) do update set source = excluded.source`.execute(this.db);
  }

  async remove(tenantId: string, ids: readonly string[], options: SearchWriteOptions = {}): Promise<void> {
    if (ids.length === 0) return;
    const valid = ids.filter((id) => UUID.test(id));
    const schema = tenantSchemaName(tenantId);
    const table = tableName(options.index);
    await sql`
      with gone as (delete from ${sql.id(schema, table)} where id = any(${valid}::uuid[]) returning id)
      delete from ${sql.id(schema, `${table}_docs`)} where id in (select id from gone)`.execute(this.db);
  }

  async search(tenantId: string, query: SearchQuery): Promise<SearchPage> {
    const schema = tenantSchemaName(tenantId);
    const qWords = searchWords(query.q ?? '');
    const nameWords = searchWords(query.name ?? '');
    const words = [...qWords.map((w) => [w, 'all'] as const), ...nameWords.map((w) => [w, 'name'] as const)];
    const hasText = words.length > 0;
    const sort: SearchSort = query.sort ?? (hasText ? 'relevance' : '-createdAt');
    const cursor = query.cursor ? decodeSearchCursor(query.cursor, sort) : null;
    const table = sql.id(schema, LIVE);
    const facetsTable = sql.id(schema, `${LIVE}_facets`);

    // Filters that narrow every facet (tags, dates, author; text) make the base set; languages and
    // status apply on top of it, each facet leaving its own out.
    const narrowing = [
      query.tags?.length ? sql`d.tags @> ${[...query.tags]}::text[]` : null,
      query.from ? sql`d.created_at >= ${query.from}::timestamptz` : null,
      query.to ? sql`d.created_at < ${query.to}::timestamptz` : null,
      query.createdBy ? sql`d.created_by = ${query.createdBy}` : null,
    ].filter((x) => x !== null);
    const text = [qWords.length ? sql`d.document @@ tsq.q_all` : null, nameWords.length ? sql`d.name_doc @@ tsq.q_name` : null].filter((x) => x !== null);
    const common = [...text, ...narrowing];
    const languages = query.languages?.length ? [...new Set(query.languages)] : null;
    const lang = languages ? sql`m.languages && ${languages}::text[]` : null;
    const status = query.status ? sql`m.status = ${query.status}` : null;
    const and = (parts: (RawBuilder<unknown> | null)[]) => {
      const present = parts.filter((p) => p !== null);
      return present.length ? sql`where ${sql.join(present, sql` and `)}` : sql``;
    };

    // Relevance per word: the best field it matched in (name 1, tags 0.4, description 0.1), halved
    // for a prefix or a typo; plus 4 when the whole name is the query. float8 throughout: no numeric.
    const tsqRef = (i: number) => [sql.ref(`tsq.e${i + 1}`), sql.ref(`tsq.a${i + 1}`)] as const;
    const nameScore = (i: number) => {
      const [e, a] = tsqRef(i);
      return sql`case when d.name_doc @@ ${e} then 1::float8 when d.name_doc @@ ${a} then 0.5::float8 else 0::float8 end`;
    };
    const bonus = sql`case when d.name_key = tsq.phrase then 4::float8 else 0::float8 end`;
    const score = hasText
      ? sql`(${sql.join(
          words.map(([, scope], i) => {
            const [e, a] = tsqRef(i);
            return scope === 'name'
              ? nameScore(i)
              : sql`greatest(${nameScore(i)},
                  case when d.tags_doc @@ ${e} then 0.4::float8 when d.tags_doc @@ ${a} then 0.2::float8 else 0::float8 end,
                  case when d.document @@ ${e} then 0.1::float8 else 0.05::float8 end)`;
          }),
          sql` + `,
        )}) + ${bonus}`
      : sql`0::float8`;
    const order = {
      relevance: {
        page: sql`m.score desc, m.id`,
        after: (k: unknown, id: string) => sql`(m.score < ${k}::float8 or (m.score = ${k}::float8 and m.id > ${id}::uuid))`,
        key: sql`m.score`,
        keyOrder: sql`p.key desc, p.id`,
      },
      '-createdAt': {
        page: sql`m.created_at desc, m.id desc`,
        after: (k: unknown, id: string) => sql`(m.created_at, m.id) < (${k}::timestamptz, ${id}::uuid)`,
        key: sql`to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        keyOrder: sql`p.key collate "C" desc, p.id desc`,
      },
      name: {
        page: sql`m.sort_name, m.id`,
        after: (k: unknown, id: string) => sql`(m.sort_name, m.id) > (${k}::text collate "C", ${id}::uuid)`,
        key: sql`m.sort_name`,
        keyOrder: sql`p.key collate "C", p.id`,
      },
    }[sort];
    const after = cursor ? order.after(cursor.key, cursor.id) : null;

    // One word in any field, by relevance (what users type most): every POC whose name has the word
    // outranks every other (a name match scores at least 0.5, tags and description at most 0.4), so
    // when the names alone fill the page, the page comes from the (small) name index and only the
    // counts read the whole match. Otherwise every match is scored.
    // (Narrowing filters make the match small: scoring it all is cheaper than a second look.)
    const byName = hasText && sort === 'relevance' && words.length === 1 && words[0]![1] === 'all' && narrowing.length === 0;

    // The counts read the whole match (with text or narrowing filters) or come from the trigger-kept
    // table and the indexes (without). A match only text narrows may be a large part of the tenant:
    // then each count that reads it is a statement of its own, and the statements run side by side on
    // separate connections (the slowest one sets the latency). A match narrowing filters (tags,
    // dates, author) keep small is read once into a base set that the page and every count read.
    const useBase = common.length > 0;
    const split = narrowing.length === 0;
    const fromTsq = hasText ? sql`, tsq` : sql``;
    const tsqColumns = [...words.flatMap((_, i) => [`e${i + 1}`, `a${i + 1}`]), 'q_all', 'q_name', 'phrase'];
    const matched = !useBase
      ? sql`${table} m`
      : split
        ? sql`(select d.languages, d.tags, d.status from ${table} d ${fromTsq} ${and(common)}) m`
        : sql`base m`;
    const facetJson = (inner: RawBuilder<unknown>) =>
      sql`(select coalesce(json_agg(json_build_object('value', f.value, 'count', f.count) order by f.count desc, f.value collate "C"), '[]') from (${inner}) f)`;
    // Trigger-kept counts per (facet, value, status) answer whatever needs no other filter than
    // a status and at most one language; the rest is counted on the match.
    const stored = (facet: string, where: RawBuilder<unknown>[] = []) =>
      facetJson(sql`select value, sum(count)::int as count from ${facetsTable} ${and([sql`facet = ${facet}`, ...where])}
        group by value having sum(count) > 0 order by sum(count) desc, value collate "C" limit ${FACET_SIZE}`);
    const counted = (column: RawBuilder<unknown>, filters: (RawBuilder<unknown> | null)[]) =>
      facetJson(sql`select value, count(*)::int as count from (select ${column} as value from ${matched} ${and(filters)}) v
        group by value order by count(*) desc, value collate "C" limit ${FACET_SIZE}`);
    const oneLanguage = languages?.length === 1 ? languages[0]! : null;
    const statusIs = query.status ? [sql`status = ${query.status}`] : [];
    const countLanguages = useBase;
    const countTags = useBase || (lang !== null && !oneLanguage);
    // The status facet (every filter but the status) and the total (every filter) read the same
    // rows: when they are counted, one pass gives both.
    const countStatus = useBase || (lang !== null && !oneLanguage);
    const languagesFacet = countLanguages ? counted(sql`unnest(m.languages)`, [status]) : stored('language', statusIs);
    const tagsFacet = countTags
      ? counted(sql`unnest(m.tags)`, [lang, status])
      : oneLanguage
        ? facetJson(sql`select tag as value, sum(count)::int as count from ${sql.id(schema, `${LIVE}_pairs`)} ${and([sql`language = ${oneLanguage}`, ...statusIs])}
            group by tag having sum(count) > 0 order by sum(count) desc, tag collate "C" limit ${FACET_SIZE}`)
        : stored('tag', statusIs);
    const statusFacet = countStatus
      ? facetJson(sql`select value, facet as count from by_status where facet > 0 order by facet desc, value collate "C" limit ${FACET_SIZE}`)
      : oneLanguage
        ? facetJson(sql`select status as value, sum(count)::int as count from ${facetsTable} where facet = 'language' and value = ${oneLanguage}
            group by status having sum(count) > 0 order by sum(count) desc, status collate "C"`)
        : stored('status');
    const total = countStatus
      ? sql`(select coalesce(sum(hits), 0) from by_status)`
      : !lang
        ? sql`(select coalesce(sum(count), 0) from ${facetsTable} ${and([sql`facet = 'status'`, ...statusIs])})`
        : sql`(select coalesce(sum(count), 0) from ${facetsTable} ${and([sql`facet = 'language'`, sql`value = ${oneLanguage}`, ...statusIs])})`;
    const byStatus = sql`by_status as materialized (
          select m.status as value, count(*)::int as facet, count(*) filter (where ${status ?? sql`true`})::int as hits
          from ${matched} ${and([lang])} group by m.status
        )`;

    // Lock order: every statement touches the main table first, as swapIndex does, so a swap and a
    // search cannot each hold a table the other waits for (the word list would come first otherwise).
    const lockOrder = sql`lock_order as (select from ${table} limit 0)`;
    const ctes: RawBuilder<unknown>[] = [lockOrder];
    if (hasText) {
      ctes.push(sql`words as materialized (
          select u.i, u.scope, search.fold(u.raw) as w, u.edits
          from unnest(${words.map(([w]) => w)}::text[], ${words.map(([, s]) => s)}::text[], ${words.map(([w]) => allowedEdits(w))}::int[])
            with ordinality as u(raw, scope, edits, i)
        )`);
      ctes.push(sql`alts as materialized (
          select words.*, array(
            select c.word from (
              select l.word, extensions.levenshtein_less_equal(l.word, words.w, words.edits) as d
              from ${sql.id(schema, `${LIVE}_words`)} l
              where words.edits > 0 and l.word <> words.w
                and char_length(l.word) between char_length(words.w) - words.edits and char_length(words.w) + words.edits
                and (l.word operator(extensions.%) words.w
                     or (l.word >= left(words.w, 1) and l.word < left(words.w, 1) || chr(1114111)))
            ) c where c.d <= words.edits order by c.d, c.word limit ${MAX_CORRECTIONS}) as corrections,
          array(
            select l.word from ${sql.id(schema, `${LIVE}_words`)} l
            where char_length(words.w) >= 2 and l.word > words.w and l.word < words.w || chr(1114111)
            order by l.word limit ${PREFIX_WORDS + 1}) as longer
          from words
        )`);
      // A prefix names the words it stands for when they are few (the index then looks up each word,
      // about twice as fast as a prefix scan); else it stays a prefix.
      ctes.push(sql`parts as (
          select i, scope, w, corrections, search.lexeme(w) as lit,
            array_to_string(
              case when cardinality(longer) > ${PREFIX_WORDS} then array[search.lexeme(w) || ':*']
                else array[search.lexeme(w)] || array(select search.lexeme(c) from unnest(longer) c) end
              || array(select search.lexeme(c) from unnest(corrections) c), ' | ') as alternatives
          from alts
        )`);
      ctes.push(sql`tsq as materialized (
          select
            ${sql.join(words.map((_, i) => sql`(array_agg(lit order by i))[${sql.lit(i + 1)}]::tsquery as ${sql.ref(`e${i + 1}`)},
              (array_agg(alternatives order by i))[${sql.lit(i + 1)}]::tsquery as ${sql.ref(`a${i + 1}`)}`))},
            (string_agg('(' || alternatives || ')', ' & ' order by i) filter (where scope = 'all'))::tsquery as q_all,
            (string_agg('(' || alternatives || ')', ' & ' order by i) filter (where scope = 'name'))::tsquery as q_name,
            search.fold(${(qWords.length ? qWords : nameWords).join(' ')}) as phrase,
            json_agg(json_build_object('word', w, 'scope', scope, 'corrections', corrections) order by i) as terms
          from parts
        )`);
    }
    // The page: the limit (+1, to know whether there is a next page) best rows of a source, then their documents.
    const page = (source: RawBuilder<unknown>) => sql`(
        select m.id, m.score, ${order.key} as key from ${source} ${and([lang, status, after])}
        order by ${order.page} limit ${query.limit + 1})`;
    const scored = sql`(select d.id, d.languages, d.status, d.created_at, d.sort_name, ${score} as score from ${table} d ${fromTsq} ${and(common)}) m`;
    const hitsOf = (rows: RawBuilder<unknown>) => sql`(select json_agg(json_build_object('id', p.id, 'source', s.source, 'score', p.score, 'key', p.key) order by ${order.keyOrder})
          from ${rows} p join ${sql.id(schema, `${LIVE}_docs`)} s on s.id = p.id)`;
    const hitCtes: RawBuilder<unknown>[] = [];
    let hits: RawBuilder<unknown>;
    if (byName) {
      const [, a] = tsqRef(0);
      hitCtes.push(sql`by_name as materialized ${page(sql`(select d.id, d.languages, d.status, ${nameScore(0)} + ${bonus} as score
          from ${table} d, tsq ${and([sql`d.name_doc @@ ${a}`, ...narrowing])}) m`)}`);
      // Evaluated only when needed (a subquery in a CASE branch runs on demand).
      hits = sql`case when (select count(*) from by_name) > ${query.limit} then ${hitsOf(sql`by_name`)} else ${hitsOf(page(scored))} end`;
    } else {
      hits = hitsOf(page(!useBase ? sql`(select d.id, d.languages, d.status, d.created_at, d.sort_name, 0::float8 as score from ${table} d) m` : split ? scored : sql`base m`));
    }
    if (useBase && !split) {
      hitCtes.push(sql`base as materialized (
          select d.id, d.languages, d.tags, d.status, d.created_at, d.sort_name, ${score} as score from ${table} d ${fromTsq} ${and(common)}
        )`);
    }

    // The page, the terms and every looked-up count in one statement; each counted part in its own.
    const statements: { ctes: RawBuilder<unknown>[]; columns: Partial<Record<keyof Result, RawBuilder<unknown>>> }[] = [
      {
        ctes: hitCtes,
        columns: {
          hits,
          terms: hasText ? sql`(select terms from tsq)` : sql`null::json`,
          ...(countLanguages ? {} : { languages: languagesFacet }),
          ...(countTags ? {} : { tags: tagsFacet }),
          ...(countStatus ? {} : { status: statusFacet, total }),
        },
      },
    ];
    const counts = {
      ...(countStatus ? { status: statusFacet, total } : {}),
      ...(countLanguages ? { languages: languagesFacet } : {}),
      ...(countTags ? { tags: tagsFacet } : {}),
    };
    if (split) {
      if (countStatus) statements.push({ ctes: [byStatus], columns: { status: statusFacet, total } });
      if (countLanguages) statements.push({ ctes: [], columns: { languages: languagesFacet } });
      if (countTags) statements.push({ ctes: [], columns: { tags: tagsFacet } });
    } else {
      statements[0]!.ctes.push(byStatus);
      Object.assign(statements[0]!.columns, counts);
    }
    const empty: Result = { hits: null, terms: null, total: 0, languages: null, tags: null, status: null };
    let shared = ctes;
    let looked: Partial<Result> = {};
    if (hasText && statements.length > 1) {
      // The query words, their prefixes and corrections are looked up once, first; the statements
      // that run side by side then take them as parameters.
      const row = await sql<Record<string, string> & { terms: Terms[] }>`
        with ${sql.join(ctes)}
        select ${sql.join(tsqColumns.map((c) => sql`${sql.ref(c)}::text as ${sql.ref(c)}`))}, terms from tsq`
        .execute(this.db)
        .then((r) => r.rows[0])
        .catch(notProvisioned(undefined));
      if (!row) return { hits: [], total: 0, facets: { languages: [], tags: [], status: [] }, nextCursor: null };
      shared = [lockOrder, sql`tsq as materialized (select ${sql.join(tsqColumns.map((c) => sql`${row[c] ?? null}::${sql.raw(c === 'phrase' ? 'text' : 'tsquery')} as ${sql.ref(c)}`))})`];
      looked = { terms: row.terms };
      statements[0]!.columns.terms = sql`null::json`;
    }
    const parts = await Promise.all(
      statements.map(({ ctes: own, columns }) =>
        sql<Partial<Result>>`
          with ${sql.join([...shared, ...own])}
          select ${sql.join(Object.entries(columns).map(([name, value]) => sql`${value} as ${sql.ref(name)}`))}`
          .execute(this.db)
          .then((r) => r.rows[0]!)
          .catch(notProvisioned(empty)),
      ),
    );
    const result = { rows: [Object.assign({ ...empty }, ...parts, looked) as Result] };

    const r = result.rows[0]!;
    const rows = r.hits ?? [];
    const pageRows = rows.slice(0, query.limit);
    const terms = r.terms ?? [];
    const last = pageRows[pageRows.length - 1];
    return {
      hits: pageRows.map((row) => toHit(row, terms)),
      total: Number(r.total ?? 0),
      facets: { languages: r.languages ?? [], tags: r.tags ?? [], status: r.status ?? [] },
      nextCursor: rows.length > query.limit && last ? encodeSearchCursor(sort, last.key, last.id) : null,
    };
  }

  async suggest(tenantId: string, prefix: string, limit = 5): Promise<Suggestions> {
    const schema = tenantSchemaName(tenantId);
    const words = searchWords(prefix);
    if (words.length === 0) return { names: [], tags: [], languages: [] };
    const t = (name: string) => sql.id(schema, `${LIVE}${name}`);
    const result = await sql<{ names: string[] | null; tags: string[] | null; languages: string[] | null }>`
      with w as materialized (select array_agg(search.fold(x)) as words, search.fold(${words.join(' ')}) as phrase from unnest(${words}::text[]) x),
      q as materialized (select string_agg(search.lexeme(x) || ':*', ' & ')::tsquery as q from w, unnest(w.words) x)
      select
        (select array_agg(name) from (
          select d.name from ${t('')} d, q, w where d.name_doc @@ q.q
          order by starts_with(d.sort_name, w.phrase) desc, d.sort_name, d.id limit ${limit}) n) as names,
        (select array_agg(value) from (
          select f.value from (
            select value, sum(count) as count from ${t('_facets')} where facet = 'tag' group by value having sum(count) > 0) f, w
          where true
            and (select bool_and(search.fold(f.value) ~ ('(^|[^[:alnum:]])' || x)) from unnest(w.words) x)
          order by f.count desc, f.value collate "C" limit ${limit}) tg) as tags,
        (select array_agg(value) from (
          select f.value from (
            select value, sum(count) as count from ${t('_facets')} where facet = 'language' group by value having sum(count) > 0) f, w
          where true
            and (select bool_and(search.fold(f.value) ~ ('(^|[^[:alnum:]])' || x)) from unnest(w.words) x)
          order by f.count desc, f.value collate "C" limit ${limit}) lg) as languages`
      .execute(this.db)
      .catch(notProvisioned({ rows: [{ names: null, tags: null, languages: null }] }));
    const r = result.rows[0]!;
    return { names: r.names ?? [], tags: r.tags ?? [], languages: r.languages ?? [] };
  }

  async createIndex(tenantId: string): Promise<string> {
    const schema = tenantSchemaName(tenantId);
    const name = `${LIVE}_r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await this.db.transaction().execute(async (trx) => {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
      // Loaded bare (no indexes, no triggers): bulk writes stay fast; swapIndex finishes it.
      await createTables(trx, schema, name);
    });
    return name;
  }

  async prepareIndex(tenantId: string, index: string): Promise<void> {
    const schema = tenantSchemaName(tenantId);
    const table = tableName(index);
    const sealed = await sql<{ n: number }>`
      select count(*)::int as n from pg_trigger where tgrelid = ${`${schema}.${table}`}::regclass and tgname = 'track_insert'`.execute(this.db);
    if (sealed.rows[0]!.n > 0) return;
    // The words first (their trigram index is one of the builds), then every index built side by side,
    // each with room to sort in memory: the table is not live yet, nothing waits on these locks.
    await sql`insert into ${sql.id(schema, `${table}_words`)} (word)
      select distinct w from ${sql.id(schema, table)}, unnest(tsvector_to_array(document)) w
      on conflict do nothing`.execute(this.db);
    await Promise.all(
      indexStatements(schema, table).map((statement) =>
        this.db.transaction().execute(async (trx) => {
          await sql`set local maintenance_work_mem = '256MB'`.execute(trx);
          await statement.execute(trx);
        }),
      ),
    );
    await this.db.transaction().execute(async (trx) => {
      await sql`insert into ${sql.id(schema, `${table}_facets`)} (facet, value, status, count)
        select facet, value, status, count(*) from (
          select 'language' as facet, unnest(languages) as value, status from ${sql.id(schema, table)}
          union all select 'tag', unnest(tags), status from ${sql.id(schema, table)}
          union all select 'status', status, status from ${sql.id(schema, table)}) x
        group by facet, value, status`.execute(trx);
      await fillPairs(trx, schema, table);
      // From here on the triggers keep counts and words as later writes arrive. (No write runs
      // during the prepare: the rebuild drives both.)
      await seal(trx, schema, table, true);
      await sql`analyze ${sql.id(schema, table)}`.execute(trx);
    });
  }

  async swapIndex(tenantId: string, index: string): Promise<void> {
    const schema = tenantSchemaName(tenantId);
    const table = tableName(index);
    await this.prepareIndex(tenantId, index);
    await this.db.transaction().execute(async (trx) => {
      // Readers blocked by the lock re-resolve the name after commit and read the new table.
      await sql`lock table ${sql.id(schema, LIVE)} in access exclusive mode`.execute(trx);
      for (const suffix of SUFFIXES) {
        await sql`drop table if exists ${sql.id(schema, `${LIVE}${suffix}`)}`.execute(trx);
        await sql`alter table ${sql.id(schema, `${table}${suffix}`)} rename to ${sql.id(`${LIVE}${suffix}`)}`.execute(trx);
      }
    });
  }

  async dropIndex(tenantId: string, index: string): Promise<void> {
    const schema = tenantSchemaName(tenantId);
    const table = tableName(index);
    if (table === LIVE) throw new Error('dropIndex drops a rebuild index, not the live one');
    for (const suffix of SUFFIXES) {
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

/** A tenant whose index was never provisioned has nothing to find (rather than an error). */
function notProvisioned<T>(empty: T): (error: unknown) => T {
  return (error) => {
    if ((error as { code?: string }).code === '42P01') return empty;
    throw error;
  };
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
      languages text[] not null,
      tags text[] not null,
      status text not null,
      created_by text not null,
      created_at timestamptz not null,
      version integer not null,
      sort_name text collate "C" not null,
      name_key text not null,
      name_doc tsvector not null,
      tags_doc tsvector not null,
      document tsvector not null
    )`.execute(db);
  await sql`create table ${sql.id(schema, `${table}_docs`)} (id uuid primary key, source jsonb not null)`.execute(db);
  await sql`create table ${sql.id(schema, `${table}_words`)} (word text collate "C" primary key)`.execute(db);
  // Counts per facet value and status: unfiltered facets, and those under a status or a single language, are lookups.
  await createPairs(db, schema, table);
  await sql`create table ${sql.id(schema, `${table}_facets`)} (
      facet text not null, value text not null, status text not null, count integer not null, primary key (facet, value, status))`.execute(db);
}

async function createPairs(db: Kysely<unknown>, schema: string, table: string): Promise<void> {
  await sql`create table if not exists ${sql.id(schema, `${table}_pairs`)} (
      language text not null, tag text not null, status text not null, count integer not null, primary key (language, tag, status))`.execute(db);
}

async function fillPairs(db: Kysely<unknown>, schema: string, table: string): Promise<void> {
  await sql`insert into ${sql.id(schema, `${table}_pairs`)} (language, tag, status, count)
    select l, t, status, count(*) from ${sql.id(schema, table)}, unnest(languages) l, unnest(tags) t group by l, t, status`.execute(db);
}

/** Indexes and the counting trigger: what makes a loaded table searchable and self-maintaining. */
/** The secondary indexes of a search table (named after it, so building them again is harmless). */
function indexStatements(schema: string, table: string): RawBuilder<unknown>[] {
  const t = sql.id(schema, table);
  const name = (suffix: string) => sql.id(`${table}_${suffix}`);
  return [
    sql`create index if not exists ${name('document')} on ${t} using gin (document)`,
    sql`create index if not exists ${name('name_doc')} on ${t} using gin (name_doc)`,
    sql`create index if not exists ${name('status')} on ${t} (status)`,
    sql`create index if not exists ${name('languages')} on ${t} using gin (languages)`,
    sql`create index if not exists ${name('tags')} on ${t} using gin (tags)`,
    sql`create index if not exists ${name('created')} on ${t} (created_at desc, id desc)`,
    sql`create index if not exists ${name('sort_name')} on ${t} (sort_name, id)`,
    sql`create index if not exists ${name('words_trgm')} on ${sql.id(schema, `${table}_words`)} using gin (word extensions.gin_trgm_ops)`,
  ];
}

async function seal(db: Kysely<unknown>, schema: string, table: string, indexed = false): Promise<void> {
  const t = sql.id(schema, table);
  if (!indexed) for (const statement of indexStatements(schema, table)) await statement.execute(db);
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

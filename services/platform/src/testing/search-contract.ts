import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import type { SearchDocument, SearchPage, SearchPort, SearchQuery } from '../ports/search.ts';

export interface SearchFixture {
  search: SearchPort;
  teardown(): Promise<void>;
}

let clock = Date.parse('2025-01-01T00:00:00.000Z');

/** A POC search document with sensible defaults; every call is a new POC, created a second after the previous one. */
export function searchDoc(fields: Partial<SearchDocument> = {}): SearchDocument {
  clock += 1_000;
  const at = new Date(clock).toISOString();
  return {
    id: randomUUID(),
    name: 'Untitled',
    description: '',
    languages: [],
    tags: [],
    repoUrl: null,
    status: 'idea',
    createdBy: randomUUID(),
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    version: 1,
    ...fields,
  };
}

const names = (page: SearchPage) => page.hits.map((h) => h.document.name);

/**
 * The contract every SearchPort adapter passes: the relevance a user would
 * judge, forgiving matching, filters and facets that agree, highlights,
 * stable cursor pagination, suggestions, idempotent writes, tenant
 * isolation and index rebuilds.
 */
export function testSearchPort(name: string, factory: () => Promise<SearchFixture>): void {
  describe(`SearchPort contract: ${name}`, () => {
    let fixture: SearchFixture;
    let search: SearchPort;
    const tenant = async (docs: readonly SearchDocument[] = []) => {
      const id = randomUUID();
      await search.provisionTenant(id);
      await search.upsert(id, docs);
      return id;
    };
    beforeAll(async () => {
      fixture = await factory();
      search = fixture.search;
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    describe('relevance a user would judge', () => {
      let t: string;
      beforeAll(async () => {
        t = await tenant([
          searchDoc({ name: 'Billing service', description: 'Deployed on Kubernetes with a Helm chart.', tags: ['payments'] }),
          searchDoc({ name: 'Kubernetes operator', description: 'Reconciles custom resources.', tags: ['go-operator'] }),
          searchDoc({ name: 'Deploy scripts', description: 'Bash glue.', tags: ['kubernetes', 'ci'] }),
          searchDoc({ name: 'Event store benchmarks', description: 'Measuring an event store on PostgreSQL.', tags: ['event-sourcing'] }),
          searchDoc({ name: 'Event Store', description: 'An append-only log.', tags: [] }),
          searchDoc({ name: 'Integração com PostgreSQL', description: 'Replicação lógica em São Paulo.', tags: ['integração'] }),
          searchDoc({ name: 'Ruby gems mirror', description: 'Nothing about clusters.', tags: ['ruby'] }),
        ]);
      });

      it('given a name, a tag and a description that mention a word, then the name comes first and the description last', async () => {
        const page = await search.search(t, { q: 'kubernetes', limit: 10 });
        expect(names(page)).toEqual(['Kubernetes operator', 'Deploy scripts', 'Billing service']);
        expect(page.total).toBe(3);
      });

      it('given a POC named exactly like the query, then it beats one whose name only contains it', async () => {
        const page = await search.search(t, { q: 'event store', limit: 10 });
        expect(names(page)).toEqual(['Event Store', 'Event store benchmarks']);
      });

      it('small pages walk names, then tags, then descriptions, in the order of one big page', async () => {
        const id = await tenant([
          ...['Helm charts', 'Helm secrets', 'Helmet kit'].map((name) => searchDoc({ name })),
          ...['Chart museum', 'Release train'].map((name) => searchDoc({ name, tags: ['helm'] })),
          ...['Ops notes', 'Cluster map'].map((name) => searchDoc({ name, description: 'Installed with helm.' })),
        ]);
        for (const q of ['helm', 'hel']) {
          const all = (await search.search(id, { q, limit: 20 })).hits.map((h) => h.document.name);
          expect(all.slice(0, 3).sort(), q).toEqual(['Helm charts', 'Helm secrets', 'Helmet kit']);
          expect(all.slice(3, 5).sort(), q).toEqual(['Chart museum', 'Release train']);
          const walked: string[] = [];
          let cursor: string | null = null;
          for (let i = 0; i < 10; i++) {
            const page: SearchPage = await search.search(id, { q, limit: 2, cursor });
            walked.push(...names(page));
            cursor = page.nextCursor;
            if (!cursor) break;
          }
          expect(walked, q).toEqual(all);
        }
      });

      it('a prefix finds the word (kub → kubernetes)', async () => {
        const page = await search.search(t, { q: 'kub', limit: 10 });
        expect(new Set(names(page))).toEqual(new Set(['Kubernetes operator', 'Deploy scripts', 'Billing service']));
      });

      it('a small typo still finds, best match first (kubernets, postgersql)', async () => {
        expect(names(await search.search(t, { q: 'kubernets', limit: 10 }))[0]).toBe('Kubernetes operator');
        expect(names(await search.search(t, { q: 'postgersql', limit: 10 }))).toEqual(
          expect.arrayContaining(['Integração com PostgreSQL', 'Event store benchmarks']),
        );
      });

      it('a word under 5 letters gets no typo allowance: rubx does not find ruby', async () => {
        const page = await search.search(t, { q: 'rubx', limit: 10 });
        expect(page.total).toBe(0);
      });

      it('accents and case do not matter (integracao, INTEGRAÇÃO, sao paulo)', async () => {
        for (const q of ['integracao', 'INTEGRAÇÃO', 'sao paulo', 'replicacao']) {
          expect(names(await search.search(t, { q, limit: 10 }))).toEqual(['Integração com PostgreSQL']);
        }
      });

      it('every word must match somewhere', async () => {
        expect(names(await search.search(t, { q: 'kubernetes helm', limit: 10 }))).toEqual(['Billing service']);
        expect((await search.search(t, { q: 'kubernetes ruby', limit: 10 })).total).toBe(0);
      });

      it('name searches the name only', async () => {
        expect(names(await search.search(t, { name: 'kubernetes', limit: 10 }))).toEqual(['Kubernetes operator']);
      });

      it('highlights mark the matched words, in every field that matched, with the rest escaped', async () => {
        const [hit] = (await search.search(t, { q: 'integracao', limit: 1 })).hits;
        expect(hit!.highlight.name).toBe('<mark>Integração</mark> com PostgreSQL');
        expect(hit!.highlight.tags).toBe('<mark>integração</mark>');
        const kub = (await search.search(t, { q: 'kubernets', limit: 10 })).hits.find((h) => h.document.name === 'Billing service');
        expect(kub!.highlight.description).toContain('<mark>Kubernetes</mark>');
        const x = await tenant([searchDoc({ name: 'XSS <script>alert(1)</script> probe' })]);
        const [probe] = (await search.search(x, { q: 'probe', limit: 1 })).hits;
        expect(probe!.highlight.name).toBe('XSS &lt;script&gt;alert(1)&lt;/script&gt; <mark>probe</mark>');
      });

      it('a hit carries the whole document as indexed', async () => {
        const doc = searchDoc({
          name: 'Full doc', description: 'd', languages: ['go'], tags: ['a'], repoUrl: 'https://github.com/x/y', status: 'done',
          startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-06-01T10:00:00.000Z', version: 3,
        });
        const id = await tenant([doc]);
        const [hit] = (await search.search(id, { q: 'full', limit: 1 })).hits;
        expect(hit!.document).toEqual(doc);
        expect(hit!.id).toBe(doc.id);
      });
    });

    describe('filters and facets', () => {
      let t: string;
      const docs: SearchDocument[] = [];
      beforeAll(async () => {
        const langs = [['go'], ['go', 'rust'], ['typescript'], ['rust'], ['python', 'go'], ['typescript', 'go'], ['java']];
        const tags = [['cli'], ['cli', 'perf'], ['web'], ['perf'], ['ml', 'cli'], ['web', 'cli'], ['legacy']];
        const statuses = ['idea', 'in_progress', 'done', 'abandoned'] as const;
        for (let i = 0; i < 28; i++) {
          docs.push(
            searchDoc({
              name: `${i % 2 ? 'Search' : 'Stream'} tool ${i}`,
              languages: langs[i % langs.length]!,
              tags: tags[(i * 3) % tags.length]!,
              status: statuses[i % statuses.length]!,
            }),
          );
        }
        t = await tenant(docs);
      });
      const expected = (pred: (d: SearchDocument) => boolean) => docs.filter(pred).length;

      it('languages are any of, tags all of, status one, dates from (inclusive) to (exclusive)', async () => {
        expect((await search.search(t, { languages: ['rust', 'java'], limit: 100 })).total).toBe(
          expected((d) => d.languages.includes('rust') || d.languages.includes('java')),
        );
        expect((await search.search(t, { tags: ['cli', 'perf'], limit: 100 })).total).toBe(
          expected((d) => d.tags.includes('cli') && d.tags.includes('perf')),
        );
        expect((await search.search(t, { status: 'done', limit: 100 })).total).toBe(expected((d) => d.status === 'done'));
        const from = docs[5]!.createdAt;
        const to = docs[9]!.createdAt;
        const page = await search.search(t, { from, to, limit: 100 });
        expect(page.hits.map((h) => h.id).sort()).toEqual(docs.slice(5, 9).map((d) => d.id).sort());
      });

      it('filters combine with text', async () => {
        const page = await search.search(t, { q: 'search', languages: ['go'], status: 'in_progress', limit: 100 });
        const want = docs.filter((d) => d.name.startsWith('Search') && d.languages.includes('go') && d.status === 'in_progress');
        expect(page.hits.map((h) => h.id).sort()).toEqual(want.map((d) => d.id).sort());
        expect(page.total).toBe(want.length);
      });

      it('unfiltered facets count every POC', async () => {
        const page = await search.search(t, { limit: 1 });
        expect(page.total).toBe(docs.length);
        const go = page.facets.languages.find((f) => f.value === 'go');
        expect(go?.count).toBe(expected((d) => d.languages.includes('go')));
        expect(page.facets.status.reduce((n, f) => n + f.count, 0)).toBe(docs.length);
        const counts = page.facets.tags.map((f) => f.count);
        expect(counts).toEqual([...counts].sort((a, b) => b - a));
      });

      it('facets agree with the filters: choosing a value gives the total its count promised', async () => {
        const base: SearchQuery = { q: 'tool', languages: ['go', 'rust'], tags: ['cli'], status: undefined, limit: 1 };
        for (const query of [base, { ...base, status: 'idea' as const }, { limit: 1 }, { q: 'stream', limit: 1 }]) {
          const page = await search.search(t, query);
          for (const f of page.facets.languages) {
            expect((await search.search(t, { ...query, languages: [f.value] })).total, `language ${f.value}`).toBe(f.count);
          }
          for (const f of page.facets.tags) {
            expect((await search.search(t, { ...query, tags: [...(query.tags ?? []), f.value] })).total, `tag ${f.value}`).toBe(f.count);
          }
          for (const f of page.facets.status) {
            expect((await search.search(t, { ...query, status: f.value as SearchDocument['status'] })).total, `status ${f.value}`).toBe(f.count);
          }
        }
      });

      it('filters without text: totals and facets equal what the documents say', async () => {
        type Q = Pick<SearchQuery, 'languages' | 'status' | 'tags'>;
        const matches = (d: SearchDocument, q: Q) =>
          (!q.languages?.length || q.languages.some((l) => d.languages.includes(l))) &&
          (!q.status || d.status === q.status) &&
          (q.tags ?? []).every((t) => d.tags.includes(t));
        const counts = (values: (d: SearchDocument) => readonly string[], q: Q) => {
          const out = new Map<string, number>();
          for (const d of docs.filter((x) => matches(x, q))) for (const v of values(d)) out.set(v, (out.get(v) ?? 0) + 1);
          return Object.fromEntries([...out].sort());
        };
        const asObject = (facets: readonly { value: string; count: number }[]) => Object.fromEntries(facets.map((f) => [f.value, f.count]).sort());
        const cases: Q[] = [{}, { status: 'done' }, { languages: ['go'] }, { languages: ['go'], status: 'idea' }, { languages: ['go', 'rust'] }, { languages: ['rust', 'java'], status: 'in_progress' }, { tags: ['cli'], status: 'done' }];
        for (const q of cases) {
          const page = await search.search(t, { ...q, limit: 100 });
          const label = JSON.stringify(q);
          expect(page.total, label).toBe(docs.filter((d) => matches(d, q)).length);
          expect(page.hits, label).toHaveLength(page.total);
          expect(asObject(page.facets.languages), label).toEqual(counts((d) => d.languages, { ...q, languages: [] }));
          expect(asObject(page.facets.status), label).toEqual(counts((d) => [d.status], { ...q, status: undefined }));
          expect(asObject(page.facets.tags), label).toEqual(counts((d) => d.tags, q));
        }
      });

      it('facets follow updates and removals', async () => {
        const id = await tenant([searchDoc({ name: 'A', languages: ['go'], tags: ['x'] }), searchDoc({ name: 'B', languages: ['go'], tags: ['x'] })]);
        const [a, b] = (await search.search(id, { sort: 'name', limit: 10 })).hits.map((h) => h.document);
        await search.upsert(id, [{ ...a!, languages: ['rust'], tags: ['y'], version: 2 }]);
        await search.remove(id, [b!.id]);
        const page = await search.search(id, { limit: 10 });
        expect(page.total).toBe(1);
        expect(page.facets.languages).toEqual([{ value: 'rust', count: 1 }]);
        expect(page.facets.tags).toEqual([{ value: 'y', count: 1 }]);
        expect((await search.search(id, { languages: ['rust'], status: 'idea', limit: 10 })).facets.tags).toEqual([{ value: 'y', count: 1 }]);
        expect((await search.search(id, { languages: ['go'], limit: 10 })).facets.tags).toEqual([]);
      });
    });

    describe('cursor pagination', () => {
      let t: string;
      const docs: SearchDocument[] = [];
      beforeAll(async () => {
        const same = new Date(Date.UTC(2025, 5, 1)).toISOString();
        for (let i = 0; i < 33; i++) {
          // Equal names, equal creation times and equal scores: only the id breaks ties.
          docs.push(searchDoc({ name: i % 3 === 0 ? 'Same name widget' : `Widget ${String(i).padStart(2, '0')}`, createdAt: i < 12 ? same : new Date(Date.UTC(2025, 0, 1 + i)).toISOString() }));
        }
        t = await tenant(docs);
      });
      const walk = async (query: Omit<SearchQuery, 'limit' | 'cursor'>) => {
        const ids: string[] = [];
        let cursor: string | null = null;
        for (let i = 0; i < 20; i++) {
          const page: SearchPage = await search.search(t, { ...query, limit: 7, cursor });
          ids.push(...page.hits.map((h) => h.id));
          cursor = page.nextCursor;
          if (!cursor) break;
        }
        return ids;
      };

      it('every sort walks every hit exactly once, in a stable order', async () => {
        for (const sort of ['relevance', '-createdAt', 'name'] as const) {
          const ids = await walk({ q: 'widget', sort });
          expect(ids, sort).toHaveLength(docs.length);
          expect(new Set(ids).size, sort).toBe(docs.length);
          const all = await search.search(t, { q: 'widget', sort, limit: 100 });
          expect(ids, sort).toEqual(all.hits.map((h) => h.id));
        }
      });

      it('newest first, then by name ignoring case and accents', async () => {
        const page = await search.search(t, { sort: '-createdAt', limit: 100 });
        const times = page.hits.map((h) => h.document.createdAt);
        expect(times).toEqual([...times].sort().reverse());
        const id = await tenant(['banana', 'Árvore', 'apple', 'Zebra'].map((n) => searchDoc({ name: n })));
        expect(names(await search.search(id, { sort: 'name', limit: 10 }))).toEqual(['apple', 'Árvore', 'banana', 'Zebra']);
      });

      it('the last page says so', async () => {
        const page = await search.search(t, { q: 'widget', limit: 100 });
        expect(page.nextCursor).toBeNull();
      });

      it('a cursor it did not hand out, or one of another sort, is refused naming the cursor', async () => {
        const first = await search.search(t, { sort: 'name', limit: 5 });
        for (const cursor of ['nonsense', Buffer.from('{"s":"name"}').toString('base64url')]) {
          const error = await search.search(t, { sort: 'name', limit: 5, cursor }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).errors[0]?.path).toBe('/cursor');
        }
        await expect(search.search(t, { sort: '-createdAt', limit: 5, cursor: first.nextCursor })).rejects.toBeInstanceOf(ValidationError);
      });
    });

    describe('suggest', () => {
      let t: string;
      beforeAll(async () => {
        t = await tenant([
          searchDoc({ name: 'Kubernetes operator', tags: ['kubernetes', 'k8s'], languages: ['go'] }),
          searchDoc({ name: 'Kubectl plugins', tags: ['kubernetes', 'cli'], languages: ['go', 'golang-tools'] }),
          searchDoc({ name: 'Integração contínua', tags: ['integração', 'ci'], languages: ['groovy'] }),
          searchDoc({ name: 'Observability for kubernetes', tags: ['observability'], languages: ['python'] }),
        ]);
      });

      it('names, tags and languages with a word starting with the prefix, names starting with it first', async () => {
        const s = await search.suggest(t, 'kub');
        expect(s.names).toEqual(['Kubectl plugins', 'Kubernetes operator', 'Observability for kubernetes']);
        expect(s.tags).toEqual(['kubernetes']);
        expect(s.languages).toEqual([]);
        expect((await search.suggest(t, 'go')).languages).toEqual(['go', 'golang-tools']);
      });

      it('folds accents and case, and respects the limit', async () => {
        const s = await search.suggest(t, 'INTEGRACAO');
        expect(s.names).toEqual(['Integração contínua']);
        expect(s.tags).toEqual(['integração']);
        expect((await search.suggest(t, 'k', 1)).names).toHaveLength(1);
        expect(await search.suggest(t, '')).toEqual({ names: [], tags: [], languages: [] });
      });
    });

    describe('writes', () => {
      it('an older version never overwrites a newer one, and replays change nothing', async () => {
        const doc = searchDoc({ name: 'Original' });
        const t = await tenant([doc]);
        const v2 = { ...doc, name: 'Renamed', version: 2 };
        await search.upsert(t, [v2]);
        await search.upsert(t, [doc]);
        await search.upsert(t, [v2, doc, v2]);
        expect(names(await search.search(t, { limit: 10 }))).toEqual(['Renamed']);
        expect((await search.search(t, { q: 'original', limit: 10 })).total).toBe(0);
      });

      it('a removed POC is no longer found', async () => {
        const keep = searchDoc({ name: 'Keep me' });
        const gone = searchDoc({ name: 'Remove me' });
        const t = await tenant([keep, gone]);
        await search.remove(t, [gone.id]);
        expect(names(await search.search(t, { q: 'me', limit: 10 }))).toEqual(['Keep me']);
        expect((await search.suggest(t, 'remove')).names).toEqual([]);
      });

      it("a tenant never sees another tenant's POCs", async () => {
        const a = await tenant([searchDoc({ name: 'Secret alpha project', tags: ['secret'] })]);
        const b = await tenant([searchDoc({ name: 'Public beta' })]);
        expect((await search.search(b, { q: 'secret', limit: 10 })).total).toBe(0);
        expect((await search.search(b, { limit: 10 })).facets.tags).toEqual([]);
        expect(await search.suggest(b, 'sec')).toEqual({ names: [], tags: [], languages: [] });
        expect((await search.search(a, { q: 'secret', limit: 10 })).total).toBe(1);
      });

      it('a tenant that was never provisioned finds nothing, without an error', async () => {
        const never = randomUUID();
        const page = await search.search(never, { q: 'anything', languages: ['go'], limit: 10 });
        expect(page).toEqual({ hits: [], total: 0, facets: { languages: [], tags: [], status: [] }, nextCursor: null });
        expect(await search.suggest(never, 'any')).toEqual({ names: [], tags: [], languages: [] });
      });

      it('provisioning twice is harmless and keeps what is indexed', async () => {
        const t = await tenant([searchDoc({ name: 'Still here' })]);
        await search.provisionTenant(t);
        expect((await search.search(t, { q: 'still', limit: 10 })).total).toBe(1);
      });
    });

    describe('rebuild into a fresh index', () => {
      it('the live index serves until the swap, then the rebuilt one does, facets included', async () => {
        const old = searchDoc({ name: 'Before rebuild', tags: ['old'] });
        const t = await tenant([old]);
        const index = await search.createIndex(t);
        const fresh = [searchDoc({ name: 'After rebuild', tags: ['new'] }), searchDoc({ name: 'Also after', tags: ['new'] })];
        await search.upsert(t, fresh, { index });
        await search.prepareIndex(t, index);
        // Writes after preparing are kept as well (the catch-up of a rebuild).
        await search.upsert(t, [{ ...fresh[1]!, name: 'Also after, renamed', version: 2 }], { index });
        expect(names(await search.search(t, { limit: 10 }))).toEqual(['Before rebuild']);
        await search.swapIndex(t, index);
        const page = await search.search(t, { sort: 'name', limit: 10 });
        expect(names(page)).toEqual(['After rebuild', 'Also after, renamed']);
        expect(page.facets.tags).toEqual([{ value: 'new', count: 2 }]);
        expect((await search.search(t, { q: 'aftr', limit: 10 })).total).toBe(0);
        expect((await search.search(t, { q: 'rebuil', limit: 10 })).total).toBe(1);
        // Live writes keep working after the swap.
        await search.upsert(t, [searchDoc({ name: 'After swap', tags: ['new'] })]);
        expect((await search.search(t, { q: 'swap', limit: 10 })).facets.tags).toEqual([{ value: 'new', count: 1 }]);
        expect((await search.suggest(t, 'renam')).names).toEqual(['Also after, renamed']);
      });

      it('searches keep answering, from the old index or the new one, while the swap happens', async () => {
        const docs = Array.from({ length: 50 }, (_, i) => searchDoc({ name: `Steady ${i}`, tags: ['steady'], languages: ['go'] }));
        const t = await tenant(docs);
        const index = await search.createIndex(t);
        await search.upsert(t, docs.map((d) => ({ ...d, version: 2, name: `${d.name} again` })), { index });
        let reading = true;
        const seen: string[] = [];
        const reader = (async () => {
          while (reading) {
            try {
              const page = await search.search(t, { q: 'steady', languages: ['go'], limit: 1 });
              seen.push(`${page.total}/${page.facets.tags[0]?.count}`);
            } catch (error) {
              seen.push(String(error));
            }
          }
        })();
        await search.swapIndex(t, index);
        await new Promise((r) => setTimeout(r, 50));
        reading = false;
        await reader;
        expect(new Set(seen)).toEqual(new Set(['50/50']));
        expect(names(await search.search(t, { q: 'again', limit: 1 }))).toHaveLength(1);
      });

      it('an abandoned rebuild leaves the live index alone', async () => {
        const t = await tenant([searchDoc({ name: 'Live one' })]);
        const index = await search.createIndex(t);
        await search.upsert(t, [searchDoc({ name: 'Never live' })], { index });
        await search.dropIndex(t, index);
        expect(names(await search.search(t, { limit: 10 }))).toEqual(['Live one']);
      });
    });
  });
}

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createTestDatabase, type TestDatabase } from '@poc/platform/testing';
import { DocumentStore } from './documents.ts';
import { migrateDojo } from './migrations.ts';

let t: TestDatabase<unknown>;
let store: DocumentStore;
beforeAll(async () => {
  t = await createTestDatabase('dojo_docs');
  await migrateDojo(t.db);
  store = new DocumentStore(t.db);
});
afterAll(async () => t?.drop());

/** Updates of a document typed by one editor, one per edit. */
function edits(texts: string[]): { updates: Uint8Array[]; text: string } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (const s of texts) doc.getText('code').insert(doc.getText('code').length, s);
  doc.getText('code').delete(0, 1);
  return { updates, text: doc.getText('code').toString() };
}
const rows = async (dojoId: string) => (await sql<{ n: number }>`select count(*)::int as n from dojo.updates where dojo_id = ${dojoId}`.execute(t.db)).rows[0]!.n;

describe('DocumentStore', () => {
  it('given updates appended at once, then they are all stored and the text reads back', async () => {
    const key = { tenantId: randomUUID(), dojoId: randomUUID() };
    const { updates, text } = edits(Array.from({ length: 50 }, (_, i) => `${i},`));
    await Promise.all(updates.map((u) => store.append(key, u)));
    expect(await rows(key.dojoId)).toBe(updates.length);
    expect((await store.text(key))?.code).toBe(text);
  });

  it('given a compaction, then the text is unchanged, the folded rows are gone, and a second one has nothing to do', async () => {
    const key = { tenantId: randomUUID(), dojoId: randomUUID() };
    const { updates, text } = edits(['hello ', 'dojo ', 'world']);
    for (const u of updates) await store.append(key, u);
    const result = await store.compact(key);
    expect(result).toMatchObject({ updates: updates.length, textLength: text.length });
    expect(await rows(key.dojoId)).toBe(0);
    expect((await store.text(key))?.code).toBe(text);
    expect(await store.compact(key)).toBeNull();
    const doc = new Y.Doc();
    for (const u of await store.load(key)) Y.applyUpdate(doc, u);
    expect(doc.getText('code').toString()).toBe(text);
  });

  it('given the live document of the room, then the compaction applies what it lacked to it, stores its state, and reads back neither its own rows nor its own snapshot', async () => {
    const key = { tenantId: randomUUID(), dojoId: randomUUID() };
    // Another process writing to the same dojo.
    const other = new DocumentStore(t.db);
    const author = new Y.Doc();
    const type = (s: string) => {
      let update: Uint8Array | null = null;
      author.once('update', (u: Uint8Array) => (update = u));
      author.getText('code').insert(author.getText('code').length, s);
      return update!;
    };
    // The room applied its own update before storing it, and holds one of its own not stored yet; the
    // other process' update did not reach it.
    const live = new Y.Doc();
    const own = type('stored ');
    Y.applyUpdate(live, own);
    await store.append(key, own);
    await other.append(key, type('missed '));
    const local = new Y.Doc();
    Y.applyUpdate(local, own);
    local.on('update', (u: Uint8Array) => Y.applyUpdate(live, u));
    local.getText('code').insert(0, 'local ');
    const applied: number[] = [];
    const into = (usable = true) => ({
      doc: live,
      applyStored: (parts: readonly Uint8Array[]) => {
        applied.push(parts.length);
        if (!usable) return false;
        live.transact(() => {
          for (const p of parts) Y.applyUpdate(live, p);
        });
        return true;
      },
    });
    const first = await store.compact(key, into());
    expect(first).toMatchObject({ updates: 2 });
    expect(applied).toEqual([1]);
    expect(live.getText('code').toString()).toBe('local stored missed ');
    expect((await store.text(key)).code).toBe('local stored missed ');
    // Its own row and its own snapshot since: nothing to read back.
    const more = type('more ');
    Y.applyUpdate(live, more);
    await store.append(key, more);
    const second = await store.compact(key, into(), first!.version);
    expect(applied).toEqual([1, 0]);
    expect(second!.version).not.toBe(first!.version);
    // Another writer's snapshot (any other version) and row: read and applied.
    await other.append(key, type('again '));
    const third = await store.compact(key, into(), first!.version);
    expect(applied).toEqual([1, 0, 2]);
    // A room that cannot take them: folded into a fresh document, from the whole stored snapshot and every row.
    const last = type('last');
    Y.applyUpdate(live, last);
    await store.append(key, last);
    expect(await store.compact(key, into(false), third!.version)).toMatchObject({ updates: 1 });
    expect((await store.text(key)).code).toBe('local stored missed more again last');
  });

  it("keeps tenants apart: another tenant's key reads nothing", async () => {
    const key = { tenantId: randomUUID(), dojoId: randomUUID() };
    await store.append(key, edits(['secret']).updates[0]!);
    expect(await store.load({ tenantId: randomUUID(), dojoId: key.dojoId })).toEqual([]);
    expect((await store.text({ tenantId: randomUUID(), dojoId: key.dojoId })).code).toBe('');
  });
});

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

  it('given the live document of the room, then the compaction applies what it lacked to it, stores its state, and reads the snapshot again only when another process wrote it', async () => {
    const key = { tenantId: randomUUID(), dojoId: randomUUID() };
    const author = new Y.Doc();
    const updates: Uint8Array[] = [];
    author.on('update', (u: Uint8Array) => updates.push(u));
    const type = (s: string) => author.getText('code').insert(author.getText('code').length, s);
    type('stored ');
    type('missed ');
    for (const u of updates) await store.append(key, u);
    // The room holds the first update and one of its own not stored yet, but missed the second.
    const live = new Y.Doc();
    Y.applyUpdate(live, updates[0]!);
    const local = new Y.Doc();
    Y.applyUpdate(local, updates[0]!);
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
    expect(live.getText('code').toString()).toContain('missed');
    expect((await store.text(key)).code).toBe(live.getText('code').toString());
    expect(applied).toEqual([2]);
    // Its own snapshot since: only the new row is applied.
    type('more ');
    await store.append(key, updates.at(-1)!);
    const second = await store.compact(key, into(), first!.version);
    expect(applied).toEqual([2, 1]);
    expect(second!.version).not.toBe(first!.version);
    // Another writer's snapshot (any other version): read and applied again.
    type('again ');
    await store.append(key, updates.at(-1)!);
    const third = await store.compact(key, into(), first!.version);
    expect(applied).toEqual([2, 1, 2]);
    // A room that cannot take them: folded into a fresh document, from the whole stored snapshot.
    type('last');
    await store.append(key, updates.at(-1)!);
    const text = live.getText('code').toString() + 'last';
    expect(await store.compact(key, into(false), third!.version)).toMatchObject({ updates: 1 });
    expect((await store.text(key)).code).toBe(text);
  });

  it("keeps tenants apart: another tenant's key reads nothing", async () => {
    const key = { tenantId: randomUUID(), dojoId: randomUUID() };
    await store.append(key, edits(['secret']).updates[0]!);
    expect(await store.load({ tenantId: randomUUID(), dojoId: key.dojoId })).toEqual([]);
    expect((await store.text({ tenantId: randomUUID(), dojoId: key.dojoId })).code).toBe('');
  });
});

/**
 * The dojo sync core alone, without sockets: CPU time per local update through
 * the real persistence (PostgreSQL group commit) and fan-out (in-process
 * cache) extensions, with fake transports. A profiling aid for the broadcast
 * path (CPU time is far steadier than latency on a shared machine); the
 * comparison with the peers is `pnpm bench:dojo`.
 *
 *   node --expose-gc --import tsx bench/dojo-core.ts     (DATABASE_URL, else the local PostgreSQL; CORE_UPDATES, CORE_REPS, CORE_RATE per second, CORE_ROOMS, CORE_CLIENTS, CORE_BATCH_MS, CORE_SRC)
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import * as Y from 'yjs';
import { createDatabase, MemoryCache } from '@poc/platform';
import type { DojoRepository } from '../services/dojo/src/store/dojos.ts';

// CORE_SRC: another copy of services/dojo/src (say, an older commit's) to compare with.
const src = process.env.CORE_SRC ? new URL(`file://${process.env.CORE_SRC.replace(/\/?$/, '/')}`) : new URL('../services/dojo/src/', import.meta.url);
const { fanoutExtension } = (await import(new URL('extensions/fanout.ts', src).href)) as typeof import('../services/dojo/src/extensions/fanout.ts');
const { RoomLeases } = (await import(new URL('extensions/leases.ts', src).href)) as typeof import('../services/dojo/src/extensions/leases.ts');
const { persistenceExtension } = (await import(new URL('extensions/persistence.ts', src).href)) as typeof import('../services/dojo/src/extensions/persistence.ts');
const { DocumentStore } = (await import(new URL('store/documents.ts', src).href)) as typeof import('../services/dojo/src/store/documents.ts');
const { migrateDojo } = (await import(new URL('store/migrations.ts', src).href)) as typeof import('../services/dojo/src/store/migrations.ts');
const { updateMessage } = (await import(new URL('sync/protocol.ts', src).href)) as typeof import('../services/dojo/src/sync/protocol.ts');
const { SyncServer } = (await import(new URL('sync/sync-server.ts', src).href)) as typeof import('../services/dojo/src/sync/sync-server.ts');

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const updates = Number(process.env.CORE_UPDATES ?? 20_000);
const roomCount = Number(process.env.CORE_ROOMS ?? 50);
const perRoom = Number(process.env.CORE_CLIENTS ?? 4);
const storeBatchMs = Number(process.env.CORE_BATCH_MS ?? 5);
const rate = Number(process.env.CORE_RATE ?? 1000);

const dbName = `dojo_core_${Date.now().toString(36)}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const db = createDatabase<unknown>({ url: url.toString(), applicationName: 'dojo' });
try {
  await migrateDojo(db);
  const tenantId = randomUUID();
  const documents = new DocumentStore(db, { batchMs: storeBatchMs });
  const dojos = { execute: async () => ({ appended: 0 }) } as unknown as DojoRepository;
  // Rooms are released at the end without compaction work of note: a long period, and the lease holder compacts once.
  const cache = new MemoryCache();
  let sent = 0;
  const server = new SyncServer({
    extensions: [
      { name: 'auth', onAuthenticate: async () => ({ tenantId, userId: randomUUID() }) },
      persistenceExtension({ documents, dojos, leases: new RoomLeases(cache), compactEveryMs: 3_600_000 }),
      fanoutExtension({ cache, antiEntropyMs: 3_600_000 }),
      { name: 'metrics', onChange: () => undefined },
    ],
    limits: { messagesPerSecond: 1e9, messageBurst: 1e9 },
    logger: { warn: (o, m) => console.warn(m, o), error: (o, m) => console.error(m, o) },
  });
  const rooms = Array.from({ length: roomCount }, () => randomUUID());
  const handles = [];
  for (const dojoId of rooms) {
    for (let i = 0; i < perRoom; i++) handles.push(server.connect({ send: () => void sent++, close: (code) => console.warn('closed', code) }, { dojoId, token: 'x', name: undefined }));
    while (server.connectionCount < handles.length) await new Promise((r) => setTimeout(r, 5));
  }
  sent = 0;
  // Each client types in its own document: the server merges concurrent edits.
  const docs = handles.map(() => new Y.Doc());
  const reps = Number(process.env.CORE_REPS ?? 5);
  const perUpdate: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < updates; i++) {
      const doc = docs[i % docs.length]!;
      let update: Uint8Array | null = null;
      doc.once('update', (u: Uint8Array) => (update = u));
      doc.transact(() => {
        doc.getText('code').insert(Math.floor(Math.random() * (doc.getText('code').length + 1)), `e${i % 10};`);
        doc.getMap('bench').set(String(i % docs.length), performance.now());
      });
      frames.push(updateMessage(update!));
    }
    sent = 0;
    // The generation's garbage is not the server's: collected before measuring (node --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // Paced as the bench's load: `rate` updates per second, delivered every 10 ms (group commit batches alike).
    const perTick = Math.max(1, Math.round(rate / 100));
    for (let i = 0; i < updates; i += perTick) {
      for (let j = i; j < Math.min(updates, i + perTick); j++) handles[j % handles.length]!.receive(frames[j]!);
      const due = t0 + ((i + perTick) / rate) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    await documents.drain();
    await new Promise((r) => setTimeout(r, 20));
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    const us = (cpu.user + cpu.system) / updates;
    perUpdate.push(us);
    console.log(`rep ${rep + 1}: ${us.toFixed(1)} µs CPU per update (user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms, wall ${wall.toFixed(0)} ms), ${sent} frames sent`);
  }
  perUpdate.sort((a, b) => a - b);
  console.log(`${updates} updates × ${reps} in ${roomCount} rooms × ${perRoom} clients: median ${perUpdate[Math.floor(reps / 2)]!.toFixed(1)} µs CPU per update, best ${perUpdate[0]!.toFixed(1)}`);
  const stored = await sql<{ n: number }>`select count(*)::int as n from dojo.updates`.execute(db);
  console.log(`rows in dojo.updates: ${stored.rows[0]?.n} (of ${updates * reps} updates)`);
  for (const h of handles) h.closed();
  await server.close();
} finally {
  await db.destroy();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}

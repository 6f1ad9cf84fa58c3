/**
 * The dojo sync core alone, without sockets: CPU time per local update through
 * the real persistence (PostgreSQL group commit) and fan-out (in-process
 * cache) extensions, with fake transports. A profiling aid for the broadcast
 * path (CPU time is far steadier than latency on a shared machine); the
 * comparison with the peers is `pnpm bench:dojo`.
 *
 *   node --import tsx bench/dojo-core.ts     (DATABASE_URL, else the local PostgreSQL; CORE_UPDATES, CORE_ROOMS, CORE_CLIENTS)
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import * as Y from 'yjs';
import { createDatabase, MemoryCache } from '@poc/platform';
import { fanoutExtension } from '../services/dojo/src/extensions/fanout.ts';
import { RoomLeases } from '../services/dojo/src/extensions/leases.ts';
import { persistenceExtension } from '../services/dojo/src/extensions/persistence.ts';
import { DocumentStore } from '../services/dojo/src/store/documents.ts';
import type { DojoRepository } from '../services/dojo/src/store/dojos.ts';
import { migrateDojo } from '../services/dojo/src/store/migrations.ts';
import { updateMessage } from '../services/dojo/src/sync/protocol.ts';
import { SyncServer } from '../services/dojo/src/sync/sync-server.ts';

const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const updates = Number(process.env.CORE_UPDATES ?? 20_000);
const roomCount = Number(process.env.CORE_ROOMS ?? 50);
const perRoom = Number(process.env.CORE_CLIENTS ?? 4);
const storeBatchMs = Number(process.env.CORE_BATCH_MS ?? 5);

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
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // A few at a time, as sockets deliver them (the bench's 1,000 updates per second arrive ~5 per ms).
    for (let i = 0; i < updates; i += 20) {
      for (let j = i; j < Math.min(updates, i + 20); j++) handles[j % handles.length]!.receive(frames[j]!);
      await new Promise((r) => setImmediate(r));
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
  for (const h of handles) h.closed();
  await server.close();
} finally {
  await db.destroy();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}

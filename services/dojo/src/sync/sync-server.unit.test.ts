import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import { DOJO_CLOSE, MESSAGE_TYPE, SYNC_MESSAGE } from '@poc/contracts/dojo';
import { syncStep1, updateMessage } from './protocol.ts';
import { SyncServer } from './sync-server.ts';
import type { Extension } from './types.ts';

/** A store whose commits the test settles by hand, in any order. */
function manualStore() {
  const calls: { update: Uint8Array; urgent: boolean; commit(): void; fail(error: Error): void }[] = [];
  const extension: Extension = {
    name: 'store',
    onStoreUpdate: (_room, update, urgent) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ update, urgent, commit: resolve, fail: reject });
      }),
  };
  return { calls, extension };
}

const tick = () => new Promise((r) => setImmediate(r));

async function room(store: Extension, more: Extension[] = []) {
  const tenantId = randomUUID();
  const dojoId = randomUUID();
  const server = new SyncServer({
    extensions: [{ name: 'auth', onAuthenticate: async () => ({ tenantId, userId: randomUUID() }) }, store, ...more],
  });
  const join = async (ack = true) => {
    const frames: Uint8Array[] = [];
    const closed: number[] = [];
    const handle = server.connect({ send: (data) => frames.push(data), close: (code) => closed.push(code) }, { dojoId, token: 't', name: undefined, ack });
    while (frames.length === 0 && closed.length === 0) await tick();
    frames.length = 0;
    return { frames, closed, handle };
  };
  return { server, join, key: { tenantId, dojoId } };
}

/** An edit typed in a client's own document, as the update frame it sends. */
function edit(doc: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array | null = null;
  const take = (u: Uint8Array) => (update = u);
  doc.on('update', take);
  doc.getText('code').insert(0, text);
  doc.off('update', take);
  return update!;
}

const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

describe('SyncServer: acknowledgement and relay', () => {
  it('given an edit, then the other clients get it at once and its author gets its echo (the acknowledgement) only once the store committed it, in arrival order', async () => {
    const store = manualStore();
    const { server, join } = await room(store.extension);
    const ana = await join();
    const bo = await join();
    const doc = new Y.Doc();
    const first = edit(doc, 'a');
    const second = edit(doc, 'b');
    ana.handle.receive(updateMessage(first));
    ana.handle.receive(updateMessage(second));
    // Relayed as received, encoded once for the room.
    expect(bo.frames).toHaveLength(2);
    expect(same(bo.frames[0], updateMessage(first))).toBe(true);
    expect(same(bo.frames[1], updateMessage(second))).toBe(true);
    expect(ana.frames).toHaveLength(0);
    expect(store.calls.map((c) => Buffer.from(c.update))).toEqual([Buffer.from(first), Buffer.from(second)]);
    // The second commits first: still no echo, the first is not stored yet.
    store.calls[1]!.commit();
    await tick();
    expect(ana.frames).toHaveLength(0);
    store.calls[0]!.commit();
    await tick();
    expect(ana.frames).toHaveLength(2);
    expect(same(ana.frames[0], updateMessage(first))).toBe(true);
    expect(same(ana.frames[1], updateMessage(second))).toBe(true);
    expect(bo.frames).toHaveLength(2);
    for (const h of [ana, bo]) h.handle.closed();
    await server.close();
  });

  it('relays an update message as it came: the very same buffer to every other client, and to the echo, not encoded again', async () => {
    const store = manualStore();
    const { server, join } = await room(store.extension);
    const ana = await join();
    const bo = await join();
    const cy = await join();
    const frame = updateMessage(edit(new Y.Doc(), 'a'));
    ana.handle.receive(frame);
    expect(bo.frames[0]).toBe(frame);
    expect(cy.frames[0]).toBe(frame);
    store.calls[0]!.commit();
    await tick();
    expect(ana.frames[0]).toBe(frame);
    // With anything after the update, the frame is not relayed as it came (the update alone is).
    const padded = new Uint8Array([...updateMessage(edit(new Y.Doc(), 'b')), 0]);
    ana.handle.receive(padded);
    expect(bo.frames[1]).not.toBe(padded);
    expect(same(bo.frames[1], padded.subarray(0, padded.byteLength - 1))).toBe(true);
    store.calls[1]!.commit();
    for (const h of [ana, bo, cy]) h.handle.closed();
    await server.close();
  });

  it('given stored updates a compaction folds into the room, then what it lacked reaches its clients, and nothing is stored again', async () => {
    const store = manualStore();
    const { server, join, key } = await room(store.extension);
    const ana = await join();
    const doc = new Y.Doc();
    const held = edit(doc, 'a');
    ana.handle.receive(updateMessage(held));
    store.calls[0]!.commit();
    await tick();
    ana.frames.length = 0;
    const lacked = edit(doc, 'b');
    expect(server.room(key.dojoId)!.applyStored([held])).toBe(true);
    expect(ana.frames).toHaveLength(0);
    expect(server.room(key.dojoId)!.applyStored([held, lacked])).toBe(true);
    expect(ana.frames).toHaveLength(1);
    const relayed = new Y.Doc();
    Y.applyUpdate(relayed, held);
    const d = decoding.createDecoder(ana.frames[0]!);
    expect([decoding.readVarUint(d), decoding.readVarUint(d)]).toEqual([MESSAGE_TYPE.SYNC, SYNC_MESSAGE.UPDATE]);
    Y.applyUpdate(relayed, decoding.readVarUint8Array(d));
    expect(relayed.getText('code').toString()).toBe('ba');
    expect(store.calls).toHaveLength(1);
    ana.handle.closed();
    await server.close();
  });

  it('given updates that commit together (one group commit, one promise), then they are all echoed once it resolves, in order', async () => {
    let commit!: () => void;
    const batch = new Promise<void>((resolve) => (commit = resolve));
    let stored = 0;
    const { server, join } = await room({ name: 'store', onStoreUpdate: () => (stored++, batch) });
    const ana = await join();
    const doc = new Y.Doc();
    const frames = [updateMessage(edit(doc, 'a')), updateMessage(edit(doc, 'b')), updateMessage(edit(doc, 'c'))];
    for (const f of frames) ana.handle.receive(f);
    expect(stored).toBe(3);
    await tick();
    expect(ana.frames).toHaveLength(0);
    commit();
    await tick();
    expect(ana.frames).toEqual(frames);
    ana.handle.closed();
    await server.close();
  });

  it('given a client that did not ask for acknowledgements (a stock y-websocket client), then it never gets its own edits back', async () => {
    const store = manualStore();
    const { server, join } = await room(store.extension);
    const ana = await join(false);
    const bo = await join(false);
    const update = edit(new Y.Doc(), 'a');
    ana.handle.receive(updateMessage(update));
    expect(bo.frames).toHaveLength(1);
    store.calls[0]!.commit();
    await tick();
    await tick();
    expect(ana.frames).toHaveLength(0);
    expect(bo.frames).toHaveLength(1);
    for (const h of [ana, bo]) h.handle.closed();
    await server.close();
  });

  it('asks the store to hurry only when someone waits for the commit: an author that asked for its echo, another process serving the room, the server itself', async () => {
    const store = manualStore();
    let otherProcess = false;
    const { server, join, key } = await room(store.extension, [{ name: 'fanout', awaitsChanges: () => otherProcess }]);
    const stock = await join(false);
    const acking = await join(true);
    const doc = new Y.Doc();
    stock.handle.receive(updateMessage(edit(doc, 'a')));
    acking.handle.receive(updateMessage(edit(doc, 'b')));
    otherProcess = true;
    stock.handle.receive(updateMessage(edit(doc, 'c')));
    otherProcess = false;
    const changed = server.change(key, (d) => d.getMap('session').set('status', 'started'));
    while (store.calls.length < 4) await tick();
    expect(store.calls.map((c) => c.urgent)).toEqual([false, true, true, true]);
    for (const c of store.calls) c.commit();
    await changed;
    for (const h of [stock, acking]) h.handle.closed();
    await server.close();
  });

  it('given a commit that fails, then the author never gets its echo, every client is closed (4500, they reconnect and resend) and the room opens afresh', async () => {
    const store = manualStore();
    const unloaded: string[] = [];
    const { server, join } = await room(store.extension, [{ name: 'spy', onUnload: async (r) => void unloaded.push(r.dojoId) }]);
    const ana = await join();
    const bo = await join();
    ana.handle.receive(updateMessage(edit(new Y.Doc(), 'lost')));
    store.calls[0]!.fail(new Error('database unreachable'));
    await tick();
    expect(ana.frames).toHaveLength(0);
    expect(ana.closed).toEqual([DOJO_CLOSE.INTERNAL]);
    expect(bo.closed).toEqual([DOJO_CLOSE.INTERNAL]);
    await tick();
    expect(unloaded).toHaveLength(1);
    const again = await join();
    expect(again.closed).toEqual([]);
    expect(server.roomCount).toBe(1);
    again.handle.closed();
    await server.close();
  });

  it('stores and relays nothing for an update the room already holds, and at once an update whose dependencies are missing', async () => {
    const store = manualStore();
    const { server, join } = await room(store.extension);
    const ana = await join();
    const bo = await join();
    const doc = new Y.Doc();
    const first = edit(doc, 'x');
    const second = edit(doc, 'y');
    ana.handle.receive(updateMessage(first));
    ana.handle.receive(updateMessage(first));
    expect(store.calls).toHaveLength(1);
    expect(bo.frames).toHaveLength(1);
    // `third` depends on `second`, which comes later: stored and relayed as it came, then completed.
    const third = edit(doc, 'z');
    ana.handle.receive(updateMessage(third));
    expect(store.calls).toHaveLength(2);
    expect(same(bo.frames[1], updateMessage(third))).toBe(true);
    ana.handle.receive(updateMessage(second));
    expect(store.calls).toHaveLength(3);
    for (const c of store.calls) c.commit();
    await tick();
    const stored = new Y.Doc();
    for (const c of store.calls) Y.applyUpdate(stored, c.update);
    expect(stored.getText('code').toString()).toBe(doc.getText('code').toString());
    const late = await join();
    late.handle.receive(syncStep1(new Y.Doc()));
    const client = new Y.Doc();
    const step2 = decoding.createDecoder(late.frames.at(-1)!);
    expect([decoding.readVarUint(step2), decoding.readVarUint(step2)]).toEqual([MESSAGE_TYPE.SYNC, SYNC_MESSAGE.STEP2]);
    Y.applyUpdate(client, decoding.readVarUint8Array(step2));
    expect(client.getText('code').toString()).toBe('zyx');
    for (const h of [ana, bo, late]) h.handle.closed();
    await server.close();
  });

  it('given a frame that breaks off after a valid part, then its sender is closed (4400) and only what Yjs integrated is relayed and stored, well formed', async () => {
    const store = manualStore();
    const { server, join } = await room(store.extension);
    const ana = await join();
    const bo = await join();
    const update = edit(new Y.Doc(), 'half');
    // The structs are read and integrated before the delete set, whose byte is cut off.
    ana.handle.receive(updateMessage(update.subarray(0, update.byteLength - 1)));
    expect(ana.closed).toEqual([DOJO_CLOSE.BAD_MESSAGE]);
    expect(store.calls).toHaveLength(1);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, store.calls[0]!.update);
    expect(stored.getText('code').toString()).toBe('half');
    expect(bo.frames).toHaveLength(1);
    const relayed = decoding.createDecoder(bo.frames[0]!);
    expect([decoding.readVarUint(relayed), decoding.readVarUint(relayed)]).toEqual([MESSAGE_TYPE.SYNC, SYNC_MESSAGE.UPDATE]);
    expect(Buffer.from(decoding.readVarUint8Array(relayed))).toEqual(Buffer.from(store.calls[0]!.update));
    store.calls[0]!.commit();
    for (const h of [ana, bo]) h.handle.closed();
    await server.close();
  });
});

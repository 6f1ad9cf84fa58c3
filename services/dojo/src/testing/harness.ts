import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { type Cache, MemoryCache } from '@poc/platform';
import type { TestIssuer } from '@poc/platform/testing';
import { type DojoApp, buildApp } from '../app.ts';
import { loadServiceEnv } from '../env.ts';

export interface RunningDojo {
  app: DojoApp;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A dojo service listening on 127.0.0.1 (port 0 unless given), for socket tests. */
export async function startDojo(options: {
  db: Kysely<unknown>;
  databaseUrl: string;
  issuer: TestIssuer;
  cache?: Cache;
  port?: number;
  env?: Record<string, string>;
}): Promise<RunningDojo> {
  const env = loadServiceEnv({
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: 'silent',
    DOJO_ROOM_IDLE_MS: '50',
    DOJO_COMPACT_EVERY_MS: '300',
    DOJO_ANTI_ENTROPY_MS: '1000',
    ...options.env,
  });
  // As server.ts does without REDIS_URL: the in-process cache, so the fan-out path runs here too.
  const app = await buildApp({ env, db: options.db, verifier: options.issuer.verifier, logger: false, cache: options.cache ?? new MemoryCache() });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { app, port, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** A stock y-websocket client (Node, `ws` as the WebSocket) on a dojo's room. */
export function client(baseUrl: string, dojoId: string, token: string, name?: string): { doc: Y.Doc; provider: WebsocketProvider; text: Y.Text } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(baseUrl.replace(/^http/, 'ws') + '/v1/dojos', `${dojoId}/sync`, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token, ...(name ? { name } : {}) },
    maxBackoffTime: 300,
    disableBc: true,
  });
  return { doc, provider, text: doc.getText('code') };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A raw socket: every frame it received and how it closed. */
export function rawSocket(baseUrl: string, path: string): Promise<{ frames: Buffer[]; code: number; socket: WebSocket }> & { socket: WebSocket } {
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + path);
  const frames: Buffer[] = [];
  socket.on('message', (data: Buffer) => frames.push(data));
  const closed = new Promise<{ frames: Buffer[]; code: number; socket: WebSocket }>((resolve, reject) => {
    socket.on('close', (code) => resolve({ frames, code, socket }));
    socket.on('error', reject);
  });
  return Object.assign(closed, { socket });
}

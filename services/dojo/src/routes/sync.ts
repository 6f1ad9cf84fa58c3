import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { WebSocket } from 'ws';
import { DOJO_CLOSE, DOJO_CLOSE_REASON, DojoSyncQuery } from '@poc/contracts/dojo';
import type { App } from '@poc/platform';
import type { SyncServer } from '../sync/sync-server.ts';

/** A socket with this many bytes waiting to go out is too slow to follow the room. */
const MAX_BUFFERED_BYTES = 16 * 1_048_576;
const PING_EVERY_MS = 30_000;

/**
 * Mounts the sync core on Fastify: `WS /v1/dojos/:id/sync?token=…`. The core
 * authenticates before sending anything; this only adapts a `ws` socket to a
 * `Transport`, keeps it alive with pings, and closes every socket (1012) after
 * the core stored what is in flight when the app closes.
 */
export async function syncRoutes(app: App, deps: { sync: SyncServer; maxMessageBytes: number }): Promise<void> {
  await app.register(websocket, {
    // Frames above our own limit are refused by the core with 4413; ws only guards against absurd ones.
    options: { maxPayload: deps.maxMessageBytes * 4, perMessageDeflate: false },
    preClose(this: App, done: () => void) {
      deps.sync.close().then(
        () => {
          for (const client of this.websocketServer.clients) client.close(DOJO_CLOSE.SERVICE_RESTART, DOJO_CLOSE_REASON[DOJO_CLOSE.SERVICE_RESTART]);
          done();
        },
        (error: unknown) => {
          this.log.error({ err: error }, 'dojo sync server did not close cleanly');
          done();
        },
      );
    },
  });

  app.get(
    '/v1/dojos/:id/sync',
    {
      websocket: true,
      schema: {
        tags: ['dojos'],
        summary: 'The shared document: y-websocket protocol (binary sync and awareness frames); close codes 4401, 4403, 4404, 4413, 4429',
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        querystring: DojoSyncQuery,
      },
    },
    (socket: WebSocket, request) => {
      const { token, name, ack } = request.query as { token?: string; name?: string; ack?: boolean };
      const handle = deps.sync.connect(
        {
          send: (data) => {
            if (socket.readyState !== socket.OPEN) return;
            if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
              socket.terminate();
              return;
            }
            // Binary by default for a buffer; no options object per frame.
            socket.send(data);
          },
          close: (code, reason) => socket.close(code, reason),
        },
        { dojoId: (request.params as { id: string }).id, token, name, ack: ack === true },
      );
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, PING_EVERY_MS);
      socket.on('pong', () => {
        alive = true;
      });
      socket.on('message', (data: Buffer) => handle.receive(data));
      socket.on('close', () => {
        clearInterval(ping);
        handle.closed();
      });
      socket.on('error', () => socket.terminate());
    },
  );
}

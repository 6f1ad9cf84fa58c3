import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/client';
import { Session } from '../auth/session';
import { createFakeApi } from '../testing/fake-api';
import { memoryStore } from './kv';
import { OutboxQueue } from './queue';
import { NetworkError } from '../api/errors';

let n = 0;
const newId = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

async function given() {
  const api = createFakeApi();
  api.state.projectInstantly = true;
  const session = new Session(memoryStore());
  const client = new ApiClient({ baseUrl: '', session, newId, fetch: api.fetch });
  await api.seedAccount('acme');
  await client.login({ tenant: 'acme', email: 'owner@acme.test', password: 'correct horse battery staple' });
  const store = memoryStore();
  return { api, client, store, queue: new OutboxQueue(store, newId) };
}

const posts = (api: ReturnType<typeof createFakeApi>) => api.state.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pocs');

describe('the offline queue', () => {
  it('keeps a POC created offline and sends it once when back online', async () => {
    const { api, client, queue } = await given();
    api.state.offline = true;
    const item = await queue.enqueue({ name: 'Written on the train' });
    const whileOffline = await queue.flush(client);
    expect(whileOffline).toMatchObject({ sent: [], remaining: 1 });
    expect(api.pocs()).toHaveLength(0);

    api.state.offline = false;
    const [a, b] = await Promise.all([queue.flush(client), queue.flush(client)]); // two reconnect events at once
    expect(a).toBe(b);
    expect(a.sent.map((s) => s.item.id)).toEqual([item.id]);
    expect(api.pocs().map((p) => p.name)).toEqual(['Written on the train']);
    expect(posts(api)).toHaveLength(1);
    expect(posts(api)[0]!.headers['idempotency-key']).toBe(item.id);
    expect(await queue.items()).toEqual([]);
    await queue.flush(client);
    expect(posts(api)).toHaveLength(1);
  });

  it('a retry after a lost answer sends the same Idempotency-Key, so the server does not create a second POC', async () => {
    const { api, client, queue } = await given();
    const item = await queue.enqueue({ name: 'Lost answer' });
    // The request reaches the server but the answer is lost on the way back.
    const real = client.createPoc.bind(client);
    let drop = true;
    const flaky = {
      createPoc: async (body: Parameters<typeof real>[0], options: { idempotencyKey: string }) => {
        const result = await real(body, options);
        if (drop) {
          drop = false;
          throw new NetworkError(new Error('connection reset'));
        }
        return result;
      },
    };
    expect((await queue.flush(flaky)).remaining).toBe(1);
    const second = await queue.flush(flaky);
    expect(second.sent).toHaveLength(1);
    expect(posts(api).map((r) => r.headers['idempotency-key'])).toEqual([item.id, item.id]);
    expect(api.pocs()).toHaveLength(1);
  });

  it('survives a restart: the queue lives in storage', async () => {
    const { api, client, store } = await given();
    api.state.offline = true;
    await new OutboxQueue(store, newId).enqueue({ name: 'Before the restart' });
    api.state.offline = false;
    const restarted = new OutboxQueue(store, newId);
    expect((await restarted.flush(client)).sent).toHaveLength(1);
    expect(api.pocs().map((p) => p.name)).toEqual(['Before the restart']);
  });

  it('keeps a POC the server refuses, with its field errors, and goes on with the next', async () => {
    const { api, client, queue } = await given();
    await queue.enqueue({ name: '' });
    await queue.enqueue({ name: 'Valid one' });
    const result = await queue.flush(client);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.error?.fieldErrors).toMatchObject({ name: expect.any(String) });
    expect(api.pocs().map((p) => p.name)).toEqual(['Valid one']);
    expect((await queue.items()).map((i) => i.body.name)).toEqual(['']);
    await queue.flush(client);
    expect(posts(api)).toHaveLength(2);
  });
});

import { ApiError, NetworkError, SessionExpiredError } from '../api/errors';
import type { PocCreate, WriteResult } from '../api/types';
import type { KeyValueStore } from './kv';

const KEY = 'poc-tracker.outbox';

/** A POC created while offline, waiting to be sent. Its id is the Idempotency-Key of every attempt. */
export interface QueuedPoc {
  id: string;
  body: PocCreate;
  queuedAt: string;
  attempts: number;
  /** Set when the server refused it (validation): it stays for the user to fix or drop. */
  error?: { status: number; detail: string; fieldErrors: Record<string, string> };
}

export interface OutboxSender {
  createPoc(body: PocCreate, options: { idempotencyKey: string }): Promise<WriteResult>;
}

export interface FlushResult {
  sent: { item: QueuedPoc; result: WriteResult }[];
  failed: QueuedPoc[];
  /** Still waiting: the network went away (or the session ended) during the flush. */
  remaining: number;
}

/**
 * The offline outbox for POC creation. Each item keeps the Idempotency-Key
 * it was queued with, so a retry after a lost answer returns the first answer
 * instead of creating a second POC; flushes never overlap (a second `flush()`
 * while one runs gets the running one), so no item is sent twice at once.
 */
export class OutboxQueue {
  private flushing: Promise<FlushResult> | null = null;
  private readonly listeners = new Set<(items: QueuedPoc[]) => void>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly newId: () => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async items(): Promise<QueuedPoc[]> {
    const raw = await this.store.getItem(KEY);
    if (!raw) return [];
    try {
      return JSON.parse(raw) as QueuedPoc[];
    } catch {
      return [];
    }
  }

  /**
   * Queue a POC. Pass the Idempotency-Key of an attempt whose answer never
   * came: if that attempt did reach the server, sending again returns its POC.
   */
  async enqueue(body: PocCreate, idempotencyKey?: string): Promise<QueuedPoc> {
    const item: QueuedPoc = { id: idempotencyKey ?? this.newId(), body, queuedAt: this.now().toISOString(), attempts: 0 };
    await this.save([...(await this.items()), item]);
    return item;
  }

  async remove(id: string): Promise<void> {
    await this.save((await this.items()).filter((i) => i.id !== id));
  }

  /** Sign-out: what one user queued is never sent with the next user's token. */
  async clear(): Promise<void> {
    await this.save([]);
  }

  subscribe(listener: (items: QueuedPoc[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Send what waits, in order. Stops at the first network failure (keeps the rest for later). */
  flush(sender: OutboxSender): Promise<FlushResult> {
    if (this.flushing) return this.flushing;
    this.flushing = this.run(sender).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async run(sender: OutboxSender): Promise<FlushResult> {
    const result: FlushResult = { sent: [], failed: [], remaining: 0 };
    for (const queued of await this.items()) {
      if (queued.error) continue;
      const item = { ...queued, attempts: queued.attempts + 1 };
      await this.update(item);
      try {
        const written = await sender.createPoc(item.body, { idempotencyKey: item.id });
        await this.remove(item.id);
        result.sent.push({ item, result: written });
      } catch (error) {
        if (error instanceof NetworkError || error instanceof SessionExpiredError || (error instanceof ApiError && (error.status >= 500 || error.status === 429))) {
          break;
        }
        if (error instanceof ApiError) {
          const failed: QueuedPoc = { ...item, error: { status: error.status, detail: error.message, fieldErrors: { ...error.fieldErrors } } };
          await this.update(failed);
          result.failed.push(failed);
          continue;
        }
        throw error;
      }
    }
    result.remaining = (await this.items()).filter((i) => !i.error).length;
    return result;
  }

  private async update(item: QueuedPoc): Promise<void> {
    await this.save((await this.items()).map((i) => (i.id === item.id ? item : i)));
  }

  private async save(items: QueuedPoc[]): Promise<void> {
    await this.store.setItem(KEY, JSON.stringify(items));
    for (const l of this.listeners) l(items);
  }
}

import pg from 'pg';

/** How a read waits for the projection to reach a write (API.md: Consistency-Token). */
export interface ProjectionWaiter {
  /**
   * Resolve true as soon as `reached()` does, false after `timeoutMs`. Checks
   * again whenever the projection commits a batch for the tenant (NOTIFY),
   * and at least every `pollMs` in case a notification was missed.
   */
  waitFor(tenantId: string, reached: () => Promise<boolean>, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One LISTEN connection per process on the projection's channel; each
 * notification (payload: the tenant ids of the batch) wakes the waiters of
 * those tenants. Without the connection, waiters fall back to polling.
 */
export class ListeningWaiter implements ProjectionWaiter {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly pollMs = 200,
  ) {}

  private listen(): Promise<void> {
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url, application_name: 'query-consistency-listener' });
      client.on('notification', (message) => {
        for (const tenant of (message.payload ?? '').split(',')) for (const wake of [...(this.waiters.get(tenant) ?? [])]) wake();
      });
      client.on('error', () => {
        this.client = undefined;
        this.connecting = undefined;
      });
      await client.connect();
      await client.query(`listen ${this.channel}`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  async waitFor(tenantId: string, reached: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // Listening before the first check: a batch committed between the check and the wait still wakes us.
    await this.listen().catch(() => undefined);
    for (;;) {
      let wake: (() => void) | undefined;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const set = this.waiters.get(tenantId) ?? new Set();
      set.add(wake!);
      this.waiters.set(tenantId, set);
      try {
        if (await reached()) return true;
        const left = deadline - Date.now();
        if (left <= 0) return false;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(left, this.pollMs))))]);
        clearTimeout(timer);
      } finally {
        set.delete(wake!);
        if (set.size === 0) this.waiters.delete(tenantId);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

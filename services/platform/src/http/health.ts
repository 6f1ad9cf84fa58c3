import fp from 'fastify-plugin';

/** A check that resolves when an engine answers, and throws when it does not. */
export type ReadinessCheck = () => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Register an engine the service needs before it can serve.
     * @example app.addReadinessCheck('postgres', async () => { await sql`select 1`.execute(db); });
     */
    addReadinessCheck(name: string, check: ReadinessCheck): void;
  }
}

const CHECK_TIMEOUT_MS = 2_000;

async function withTimeout(check: ReadinessCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/health/live` (the process runs) and `/health/ready` (every registered engine answers). */
export const healthPlugin = fp(
  async (app) => {
    const checks = new Map<string, ReadinessCheck>();
    let closing = false;
    app.decorate('addReadinessCheck', (name: string, check: ReadinessCheck) => {
      checks.set(name, check);
    });
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.get('/health/live', { schema: { hide: true }, logLevel: 'warn', config: { rateLimit: false } }, async () => ({ status: 'ok' }));
    app.get('/health/ready', { schema: { hide: true }, logLevel: 'warn', config: { rateLimit: false } }, async (_request, reply) => {
      const results: Record<string, string> = {};
      let ready = !closing;
      await Promise.all(
        [...checks].map(async ([name, check]) => {
          try {
            await withTimeout(check);
            results[name] = 'ok';
          } catch (error) {
            ready = false;
            results[name] = error instanceof Error ? error.message : 'failed';
          }
        }),
      );
      reply.code(ready ? 200 : 503);
      return { status: ready ? 'ok' : closing ? 'closing' : 'unavailable', checks: results };
    });
  },
  { name: '@poc/health' },
);

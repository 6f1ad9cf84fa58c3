import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../config/env.ts';
import { serve } from './serve.ts';

export interface RunnableService {
  app: FastifyInstance;
  /** Release what `start` acquired (pools, consumers), after the server drained. */
  close?: () => Promise<void>;
}

/**
 * What every `server.ts` does: load the validated config (a bad setting
 * stops start-up with a message naming it, exit code 78), build the service,
 * listen, and shut down gracefully on SIGTERM/SIGINT.
 *
 * @example
 * await runService(loadEnv, async (env) => ({ app: await buildApp({ env, db }), close: () => db.destroy() }));
 */
export async function runService<E extends { HOST: string; PORT: number; SHUTDOWN_GRACE_MS: number }>(
  load: () => E,
  start: (env: E) => Promise<RunnableService>,
): Promise<void> {
  let env: E;
  try {
    env = load();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78);
    }
    throw error;
  }
  const service = await start(env);
  await serve(service.app, {
    host: env.HOST,
    port: env.PORT,
    graceMs: env.SHUTDOWN_GRACE_MS,
    ...(service.close ? { onClose: service.close } : {}),
  });
}

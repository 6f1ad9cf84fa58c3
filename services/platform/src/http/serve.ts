import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

export interface ServeOptions {
  host: string;
  port: number;
  /** How long in-flight requests may take to finish after SIGTERM. */
  graceMs: number;
  /** Run after the server stopped accepting and drained (close pools, consumers). */
  onClose?: () => Promise<void>;
}

/**
 * Listen, and on SIGTERM/SIGINT: stop accepting, let in-flight requests
 * finish (Fastify's `close()` waits for them), run `onClose`, exit 0.
 * A second signal, or the grace period running out, exits 1.
 */
export async function serve(app: FastifyInstance, options: ServeOptions): Promise<string> {
  closeWithGrace({ delay: options.graceMs, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await options.onClose?.();
  });
  return app.listen({ host: options.host, port: options.port });
}

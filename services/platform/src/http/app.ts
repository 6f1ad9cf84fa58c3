import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController, type RawServerDefault } from 'fastify';
import { loggerOptions, requestSummary } from '../logger.ts';
import { healthPlugin } from './health.ts';
import { metricsPlugin } from './metrics.ts';
import { installProblemHandlers } from './problem.ts';
import { securityHeaders } from './security-headers.ts';

/** A Fastify instance with TypeBox schemas as the source of handler types. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface AppOptions {
  /** Service name: logged on every line, a label on every metric, the OpenAPI title. */
  service: string;
  version?: string;
  env: {
    LOG_LEVEL: string;
    CORS_ORIGINS: string;
    RATE_LIMIT_PER_MINUTE: number;
    BODY_LIMIT_BYTES: number;
  };
  /** Pass `false` to silence logs (tests), or a pino instance to share one. */
  logger?: boolean | FastifyBaseLogger;
  /** Skip the rate limiter (the edge leaves it to the services behind it). */
  rateLimit?: boolean;
  /** Pass `false` to leave out helmet's security headers. */
  helmet?: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify logs two lines per request (incoming, completed). This logs one, at
 * completion, with the request, status and time; routes with `logLevel: 'warn'`
 * (health, metrics) log none.
 */
class OneLinePerRequest extends LogController {
  /** The client address, taken when the request arrives: after the answer the socket may be gone. */
  private readonly addresses = new WeakMap<FastifyRequest, string | undefined>();

  override incomingRequest(request: FastifyRequest): void {
    if (infoEnabled(request)) this.addresses.set(request, requestSummary(request).remoteAddress);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const log = request.log;
    if (!error && !infoEnabled(request)) return;
    const address = this.addresses.get(request);
    const req = requestSummary({ method: request.method, url: request.url, ...(address === undefined ? {} : { remoteAddress: address }) });
    if (error) log.error({ req, res: { statusCode: reply.statusCode }, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else log.info({ req, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
  }
}

function infoEnabled(request: FastifyRequest): boolean {
  const log = request.log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
  return log.isLevelEnabled?.('info') !== false;
}

/**
 * The app every service starts from: problem+json errors, helmet, CORS, rate
 * limiting, body size limit, request ids, health, metrics and OpenAPI 3.1
 * generated from the route schemas (served at `/openapi.json`).
 *
 * Every request pays for what is registered here, so the per-request work is
 * kept small: one `onRequest` hook (request id and helmet's headers, computed
 * once at start-up), one `onSend` (closing), one `onResponse` (the RED
 * metrics), and one log line per request, at completion (none for health and
 * metrics). `bench:edge` measures the result against bare Fastify.
 *
 * @example
 * const app = await createApp({ service: 'pocs', env });
 * app.register(pocRoutes, { prefix: '/v1' });
 * await app.ready();
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { env } = options;
  const app = Fastify({
    ...(typeof options.logger === 'object'
      ? { loggerInstance: options.logger }
      : { logger: options.logger === false ? false : loggerOptions(options.service, env.LOG_LEVEL) }),
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: ['127.0.0.1', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    return503OnClosing: true,
    logController: new OneLinePerRequest(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  installProblemHandlers(app);
  // While closing, answers to in-flight requests close their keep-alive connection, so
  // `close()` does not wait for idle clients after the last response.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  const security = options.helmet === false ? [] : Object.entries(securityHeaders());
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    for (const [name, value] of security) reply.header(name, value);
    done();
  });
  await app.register(cors, {
    origin: env.CORS_ORIGINS === '*' ? true : env.CORS_ORIGINS.split(',').map((o) => o.trim()),
    // What a browser client reads from answers: created resources' Location, idempotent replays,
    // download names, and the byte ranges of video streams.
    exposedHeaders: [
      'Consistency-Token',
      'Consistency-Token-Timeout',
      'ETag',
      'Retry-After',
      'X-Request-Id',
      'Location',
      'Idempotent-Replayed',
      'Content-Disposition',
      'Content-Range',
      'Accept-Ranges',
    ],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'Consistency-Token', 'X-Request-Id'],
  });
  if (options.rateLimit !== false) {
    await app.register(rateLimit, {
      max: env.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      // Fastify's error handler turns this into problem+json with Retry-After.
      errorResponseBuilder: (_request, context) => {
        const error = new Error(`Rate limit exceeded, retry in ${context.after}`) as Error & { statusCode: number };
        error.statusCode = context.statusCode;
        return error;
      },
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `POC Tracker ${options.service}`, version: options.version ?? '1.0.0' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(metricsPlugin, { service: options.service });
  await app.register(healthPlugin);
  await app.register(async (scope) => {
    scope.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () => scope.swagger());
  });
  return app;
}

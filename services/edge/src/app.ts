import proxy from '@fastify/http-proxy';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type App, GatewayTimeoutError, ServiceUnavailableError, createApp } from '@poc/platform';
import type { Env } from './env.ts';
import { mergedOpenApi } from './openapi.ts';
import { ROUTES, upstreamUrls } from './routes.ts';
import { serveWebApp } from './web.ts';

export interface Deps {
  env: Env;
  logger?: boolean;
  /** The app's web build served at `/` (default: mobile-native/dist). */
  webRoot?: string;
}

/**
 * The edge: one origin for the app and outside clients. Rate limiting and
 * auth are the services' own (they see the client address through
 * X-Forwarded-For); the edge adds only routing.
 */
export async function buildApp(deps: Deps): Promise<App> {
  const app = await createApp({
    service: 'edge',
    env: deps.env,
    rateLimit: false,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  const upstreams = upstreamUrls(deps.env);
  const onResponse = (_request: unknown, reply: unknown, response: { stream: NodeJS.ReadableStream }) => sendUpstreamBody(reply as FastifyReply, response);

  await app.register(async (scope) => {
    // Request bodies go on as they came, never parsed: small sized ones read whole (one write
    // upstream instead of undici streaming them), the rest (uploads, chunked) as the stream.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', readSmallBody);
    for (const route of ROUTES) {
      await scope.register(proxy, {
        upstream: upstreams[route.upstream],
        prefix: route.prefix,
        rewritePrefix: route.prefix,
        httpMethods: [...(route.methods ?? ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'])],
        websocket: route.websocket ?? false,
        // The body parsers above, not the plugin's own (which pass every body on as a stream).
        proxyPayloads: false,
        // A body read whole is handed to reply-from as the body to send, with its own content
        // type: as the request's body it would be JSON-encoded a second time.
        handler: (request, reply, dest, options) =>
          reply.from(dest, Buffer.isBuffer(request.body) ? { ...options, body: request.body, contentType: request.headers['content-type'] ?? 'application/octet-stream' } : options),
        // @fastify/reply-from logs two more lines per proxied request ("fetching from remote
        // server", "response received"); the app's one line at completion says it all.
        disableRequestLogging: true,
        replyOptions: {
          // Append the caller's address as any proxy does: identity throttles failed logins per client address.
          // `headers` is reply-from's own copy of the request's headers, so it is changed in place.
          rewriteRequestHeaders: (request, headers) => {
            headers['x-request-id'] = request.id;
            headers['x-forwarded-for'] = [headers['x-forwarded-for'], request.socket.remoteAddress].filter(Boolean).join(', ');
            return headers;
          },
          onResponse,
          onError: upstreamFailed(route.upstream),
        },
      });
    }
  });

  // Each service's health through the edge (`/health/services/pocs/live`), and the edge is
  // ready only when every service is.
  for (const [name, base] of Object.entries(upstreams)) {
    // logLevel: health checks log nothing, as on the services themselves.
    await app.register(proxy, { upstream: base, prefix: `/health/services/${name}`, rewritePrefix: '/health', httpMethods: ['GET'], disableRequestLogging: true, logLevel: 'warn', replyOptions: { onResponse } });
    app.addReadinessCheck(name, async () => {
      const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(1_500) });
      if (!res.ok) throw new Error(`${name} is not ready (${res.status})`);
    });
  }

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => mergedOpenApi(upstreams, app.log));
  await serveWebApp(app, deps.webRoot);
  return app;
}

/**
 * An upstream that cannot be reached (down, restarting, refusing) answers 503 with Retry-After, one
 * that does not answer in time 504, both as problem+json naming the service; not a bare 500.
 */
function upstreamFailed(name: string) {
  return (reply: { send(payload: unknown): unknown }, { error }: { error: Error }) => {
    reply.send(
      (error as Error & { statusCode?: number }).statusCode === 504
        ? new GatewayTimeoutError('EDGE_ERR_UPSTREAM_TIMEOUT', `The ${name} service did not answer in time.`, { cause: error })
        : new ServiceUnavailableError('EDGE_ERR_UPSTREAM_UNAVAILABLE', `The ${name} service cannot be reached right now; retry shortly.`, { cause: error, headers: { 'retry-after': '1' } }),
    );
  };
}

/** Request and upstream bodies up to this size are read whole before they are sent on. */
const BUFFERED_BODY_BYTES = 64 * 1024;

/** A request body with a Content-Length up to BUFFERED_BODY_BYTES as one buffer, any other as the stream. */
function readSmallBody(request: FastifyRequest, payload: NodeJS.ReadableStream, done: (error: Error | null, body?: unknown) => void): void {
  const length = Number(request.headers['content-length']);
  if (!(length <= BUFFERED_BODY_BYTES)) {
    done(null, payload);
    return;
  }
  const chunks: Buffer[] = [];
  payload.on('data', (chunk: Buffer) => chunks.push(chunk));
  payload.once('error', (error: Error) => done(error));
  payload.once('end', () => done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
}

/**
 * Send the upstream body on. reply-from hands it over as a stream, and piping a
 * stream through Fastify (end-of-stream listeners, a pipe, chunked writes) costs
 * more CPU than the rest of a small proxied request together. Most answers are
 * small JSON with a Content-Length, so those are read whole and sent as one
 * buffer; large, unsized or streamed answers (videos, CSV exports) still stream.
 */
function sendUpstreamBody(reply: FastifyReply, response: { stream: NodeJS.ReadableStream }): void {
  // reply-from has copied the upstream headers onto the reply by now.
  const length = Number(reply.getHeader('content-length'));
  if (reply.request.method === 'HEAD' || !(length <= BUFFERED_BODY_BYTES)) {
    reply.send(response.stream);
    return;
  }
  const chunks: Buffer[] = [];
  response.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.stream.once('error', (error: Error) => {
    // The upstream's Content-Length was copied onto the reply: the problem answer has its own.
    reply.removeHeader('content-length');
    reply.send(error);
  });
  response.stream.once('end', () => reply.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
}

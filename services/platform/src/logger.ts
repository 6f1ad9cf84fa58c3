import type { LoggerOptions } from 'pino';

/** What a log line says about a request: method, URL (a `token=` in the query redacted) and client address. */
export function requestSummary(request: { method: string; url: string; ip?: string; remoteAddress?: string }): { method: string; url: string; remoteAddress: string | undefined } {
  // Never log the query string of the WebSocket sync route: it carries the token.
  const url = request.url.includes('token=') ? request.url.replace(/token=[^&]*/g, 'token=[redacted]') : request.url;
  let remoteAddress = request.remoteAddress;
  if (remoteAddress === undefined) {
    try {
      // Fastify's `ip` reads the socket, which is gone once a closed connection's answer finished.
      remoteAddress = request.ip;
    } catch {
      remoteAddress = undefined;
    }
  }
  return { method: request.method, url, remoteAddress };
}

/**
 * pino options shared by every service: JSON lines, ISO time, the service name
 * on every line, secrets redacted. Request ids come from Fastify (`reqId`), and
 * the auth plugin adds `tenantId` to the request's child logger once known.
 */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.query.token',
        '*.password',
        '*.refreshToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
    serializers: { req: requestSummary },
  };
}

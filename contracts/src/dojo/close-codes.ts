/**
 * WebSocket close codes of `WS /v1/dojos/:id/sync` (API.md, Dojos). The 44xx
 * codes mirror the HTTP status a request would get; the sync server closes
 * with one of them and a short reason, and never sends a document byte to a
 * connection it refuses.
 *
 * @example
 * ws.on('close', (code) => { if (code === DOJO_CLOSE.BAD_TOKEN) refreshTokenAndReconnect(); });
 */
export const DOJO_CLOSE = {
  /** The server is restarting or shutting down: reconnect (stock clients do). */
  SERVICE_RESTART: 1012,
  /** Missing, invalid or expired access token. */
  BAD_TOKEN: 4401,
  /** A frame that is not a y-websocket message. */
  BAD_MESSAGE: 4400,
  /** The dojo belongs to another tenant, or the caller may not join it. */
  FORBIDDEN: 4403,
  /** No dojo with this id. */
  NOT_FOUND: 4404,
  /** A message, or the document it would grow, is larger than allowed. */
  TOO_LARGE: 4413,
  /** More messages per second than allowed on this connection. */
  TOO_MANY_MESSAGES: 4429,
  /** Something broke on the server; reconnecting may help. */
  INTERNAL: 4500,
} as const;

export type DojoCloseCode = (typeof DOJO_CLOSE)[keyof typeof DOJO_CLOSE];

/** The reason text sent with each close code (at most 123 bytes, as WebSocket allows). */
export const DOJO_CLOSE_REASON: Record<DojoCloseCode, string> = {
  1012: 'service restart',
  4400: 'malformed message',
  4401: 'invalid or expired token',
  4403: 'not allowed in this dojo',
  4404: 'unknown dojo',
  4413: 'too large',
  4429: 'too many messages',
  4500: 'internal error',
};

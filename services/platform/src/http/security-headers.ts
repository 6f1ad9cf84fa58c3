import helmet, { type HelmetOptions } from 'helmet';

/** The helmet settings of every service: no CSP (APIs answer JSON), resources usable cross-origin (the web app and media). */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = { contentSecurityPolicy: false, crossOriginResourcePolicy: { policy: 'cross-origin' } };

/**
 * The headers helmet sets with `options`, as lower-case name → value. They do
 * not depend on the request (without a CSP nonce), so they are computed once by
 * helmet itself at start-up and copied onto each reply, instead of running
 * helmet's dozen middlewares (each a `setHeader` with its validation) on every
 * request as `@fastify/helmet` does.
 */
export function securityHeaders(options: Readonly<HelmetOptions> = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let done = false;
  helmet(options)({} as never, response as never, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}

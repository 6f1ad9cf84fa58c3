import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { App } from '@poc/platform';

/** Where `pnpm --filter @poc/mobile-native build:web` writes the web build. */
export const DEFAULT_WEB_ROOT = resolve(import.meta.dirname, '../../../mobile-native/dist');

/** Paths that belong to the API and operations: never answered with the app. */
const NOT_THE_APP = /^\/(v1|health|metrics|\.well-known|openapi\.json)(\/|$|\?)/;

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>POC Tracker: the web build is missing</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5; padding: 0 1rem">
<h1>The app's web build is missing</h1>
<p>The API is up (see <a href="/v1/openapi.json">/v1/openapi.json</a>), but the web build of the app has not been made yet.</p>
<p>Build it once, then reload this page:</p>
<pre style="background:#f1f3f5;padding:1rem;border-radius:8px">pnpm --filter @poc/mobile-native build:web</pre>
<p><code>pnpm start</code> builds it by itself when it is missing.</p>
</body></html>`;

/**
 * Serve the app's web build (Expo export) at `/`: files as they are, with
 * their pre-compressed `.br`/`.gz` twins when the client accepts them;
 * hashed bundles cached for a year; every other path that is not the API
 * answered with `index.html` (client-side routes such as `/pocs/<id>`).
 * When the build is missing, `/` explains how to make it.
 */
export async function serveWebApp(app: App, root: string = DEFAULT_WEB_ROOT): Promise<void> {
  // dotfiles: Metro puts pnpm packages' assets under `assets/_node_modules/.pnpm/...`; only the build's own files are reachable.
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true, decorateReply: true, dotfiles: 'allow' });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      let path: string;
      try {
        path = decodeURIComponent(request.url.split('?')[0] ?? '/');
      } catch {
        return reply.callNotFound();
      }
      if (NOT_THE_APP.test(path)) return reply.callNotFound();
      if (!existsSync(join(root, 'index.html'))) {
        if (path !== '/' && extname(path)) return reply.callNotFound();
        return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(PLACEHOLDER);
      }
      const file = normalize(join(root, path));
      if (file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile()) {
        const hashed = path.startsWith('/_expo/static/') || path.startsWith('/assets/');
        return reply.sendFile(file.slice(root.length + 1), hashed ? { maxAge: '365d', immutable: true } : { maxAge: 0 });
      }
      // A file that does not exist is a 404; anything else is a route of the app.
      if (extname(path) && !path.endsWith('.html')) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { maxAge: 0, cacheControl: false });
    },
  });
}

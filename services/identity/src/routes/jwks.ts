import type { App } from '@poc/platform';
import type { Identity } from '../context.ts';
import { Jwks } from '../schemas.ts';

/** The public keys every service verifies access tokens with (cached by verifiers; an unknown `kid` makes them fetch again). */
export function jwksRoutes(identity: Identity) {
  return async (app: App) => {
    app.get(
      '/.well-known/jwks.json',
      { config: { rateLimit: false }, schema: { tags: ['identity'], summary: 'Public signing keys (JWKS)', response: { 200: Jwks } } },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=60');
        return identity.keys.jwks();
      },
    );
  };
}

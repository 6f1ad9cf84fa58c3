import { type App, principalOf } from '@poc/platform';
import { Type } from '@sinclair/typebox';
import type { Identity } from '../context.ts';
import { LoginBody, RefreshBody, TokenPair } from '../schemas.ts';
import { login, logout, refresh } from '../sessions/sessions.ts';

export function sessionRoutes(identity: Identity) {
  return async (app: App) => {
    app.post(
      '/auth/login',
      { schema: { tags: ['identity'], summary: 'Log in with tenant slug, email and password', body: LoginBody, response: { 200: TokenPair } } },
      async (request) => login(identity, request.body, request.ip),
    );
    app.post(
      '/auth/refresh',
      { schema: { tags: ['identity'], summary: 'Spend a refresh token for a new pair', body: RefreshBody, response: { 200: TokenPair } } },
      async (request) => refresh(identity, request.body.refreshToken),
    );
    app.post(
      '/auth/logout',
      {
        onRequest: [app.authenticate],
        schema: { tags: ['identity'], summary: 'Revoke a refresh token (and its family)', security: [{ bearer: [] }], body: RefreshBody, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        await logout(identity, principalOf(request), request.body.refreshToken);
        return reply.code(204).send(null);
      },
    );
  };
}

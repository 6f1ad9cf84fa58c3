import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import { type Principal, type Role, hasAnyRole } from './principal.ts';
import type { TokenVerifier } from './verifier.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `app.authenticate`; null on routes that do not require it. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** preHandler: requires a valid Bearer token and sets `request.principal`. */
    authenticate: preHandlerAsyncHookHandler;
    /** preHandler: requires one of `roles` (after `authenticate`). */
    requireRoles(...roles: Role[]): preHandlerAsyncHookHandler;
    /** Every route registered after the plugin, and whether it requires a token (the isolation suite attacks them all). */
    routeSecurity(): readonly RouteSecurity[];
  }
}

/** A route and whether `app.authenticate` guards it. */
export interface RouteSecurity {
  readonly method: string;
  /** As registered, with the prefix and `:params`. */
  readonly url: string;
  readonly authenticated: boolean;
  /** Hidden from OpenAPI (health, metrics...). */
  readonly hidden: boolean;
}

/** The principal of an authenticated request (throws if the route forgot `authenticate`). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError('AUTH_ERR_MISSING_TOKEN', 'Authentication is required.');
  return request.principal;
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1] ?? null;
  }
  return null;
}

/**
 * Token verification for every service: `onRequest: app.authenticate` on a
 * route (or a scope) makes it require a valid access token, puts the
 * principal on the request and the tenant id on its logger.
 *
 * @example
 * app.register(authPlugin, { verifier });
 * app.get('/v1/me', { onRequest: [app.authenticate] }, async (req) => principalOf(req));
 */
export const authPlugin = fp<{ verifier: TokenVerifier; allowQueryToken?: boolean }>(
  async (app, opts) => {
    app.decorateRequest('principal', null);
    const authenticate = async function authenticate(request: FastifyRequest, _reply: FastifyReply) {
      let token = bearer(request);
      if (!token && opts.allowQueryToken) {
        const q = (request.query as Record<string, unknown> | undefined)?.token;
        if (typeof q === 'string') token = q;
      }
      if (!token) throw new UnauthorizedError('AUTH_ERR_MISSING_TOKEN', 'Authentication is required.');
      const principal = await opts.verifier.verify(token);
      request.principal = principal;
      // The request's logger is already its own child (reqId): add the ids to it rather than
      // making another child per request (reply.log is the same logger, so its lines get them too).
      const log = request.log as typeof request.log & { setBindings?: (bindings: Record<string, string>) => void };
      if (typeof log.setBindings === 'function') log.setBindings({ tenantId: principal.tenantId, userId: principal.userId });
      else request.log = log.child({ tenantId: principal.tenantId, userId: principal.userId });
    };
    app.decorate('authenticate', authenticate);
    const routes: RouteSecurity[] = [];
    app.decorate('routeSecurity', () => routes);
    app.addHook('onRoute', (route) => {
      const hooks = [route.onRequest, route.preHandler].flat().filter(Boolean);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        routes.push({ method, url: route.url, authenticated: hooks.includes(authenticate), hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide) });
      }
    });
    app.decorate('requireRoles', (...roles: Role[]) => async (request: FastifyRequest) => {
      const principal = principalOf(request);
      if (!hasAnyRole(principal, roles)) {
        throw new ForbiddenError('AUTH_ERR_ROLE', `This needs one of the roles: ${roles.join(', ')}.`);
      }
    });
  },
  { name: '@poc/auth' },
);

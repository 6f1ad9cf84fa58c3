/**
 * The public route table as API Gateway and CloudFront see it, derived from the one the product
 * runs: `ROUTES` of services/edge/src/routes.ts (prefix → owning service, optionally per method).
 * API Gateway only decides *whether* a request gets in (JWT or public) and sends everything to the
 * internal ALB → ingress; which service answers is the Ingress's (and, for method-split prefixes,
 * the in-cluster edge's) job. A path ROUTES does not know gets API Gateway's 404.
 *
 * @example
 *   apiRouteKeys(ROUTES, PUBLIC_ROUTES)
 *   // [{ key: 'ANY /v1/me', public: false }, { key: 'ANY /v1/me/{proxy+}', public: false }, ...,
 *   //  { key: 'POST /v1/tenants', public: true }, ...]
 */
import { ROUTES, type Route } from '../../services/edge/src/routes.ts';

export { ROUTES, type Route };

/** Requests to the API that need no token: login, refresh, sign-up, and the JWKS and OIDC discovery. */
export const PUBLIC_ROUTES = ['ANY /v1/auth/{proxy+}', 'POST /v1/tenants', 'GET /.well-known/{proxy+}'] as const;

/** What the edge routes when a row names no methods (routes.ts: every method but OPTIONS). */
const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT'] as const;

export interface ApiRouteKey {
  /** An API Gateway route key, `<METHOD|ANY> <path>`. */
  readonly key: string;
  /** No JWT authorizer on this route. */
  readonly public: boolean;
}

/** The methods a prefix is routed for, `ANY` when that is every method the edge routes. */
function methodsOf(rows: readonly Route[]): string[] {
  if (rows.some((r) => r.methods === undefined)) return ['ANY'];
  const union = new Set(rows.flatMap((r) => r.methods ?? []));
  return ALL_METHODS.every((m) => union.has(m)) ? ['ANY'] : [...union].sort();
}

/** The prefix of `routes` a path falls under (`/v1/pocs/{id}` → `/v1/pocs`), if any. */
export function ownerPrefix(path: string, routes: readonly Route[] = ROUTES): string | undefined {
  const clean = path.replace(/\/\{proxy\+\}$/, '').replace(/\/\*$/, '');
  const matching = routes.map((r) => r.prefix).filter((prefix) => clean === prefix || clean.startsWith(`${prefix}/`));
  return matching.sort((a, b) => b.length - a.length)[0];
}

/**
 * Every route key of the HTTP API: `<M> <prefix>` and `<M> <prefix>/{proxy+}` for each prefix of
 * `routes` (JWT), plus the public ones. Throws when a public route is outside `routes` or names a
 * method the prefix is not routed for: the table and the exceptions cannot drift apart.
 */
export function apiRouteKeys(routes: readonly Route[] = ROUTES, publicRoutes: readonly string[] = PUBLIC_ROUTES): ApiRouteKey[] {
  const byPrefix = new Map<string, Route[]>();
  for (const r of routes) byPrefix.set(r.prefix, [...(byPrefix.get(r.prefix) ?? []), r]);
  const open = new Set(publicRoutes);
  for (const route of publicRoutes) {
    const [method = '', path = ''] = route.split(' ');
    const prefix = ownerPrefix(path, routes);
    if (!prefix) throw new Error(`public route "${route}" is not under any prefix of ROUTES (services/edge/src/routes.ts)`);
    const methods = methodsOf(byPrefix.get(prefix)!);
    if (!methods.includes('ANY') && !methods.includes(method)) throw new Error(`public route "${route}": ROUTES routes ${prefix} for ${methods.join(', ')} only`);
  }
  const keys: ApiRouteKey[] = [];
  for (const [prefix, rows] of byPrefix) {
    for (const method of methodsOf(rows)) {
      for (const path of [prefix, `${prefix}/{proxy+}`]) {
        const key = `${method} ${path}`;
        if (!open.has(key)) keys.push({ key, public: false });
      }
    }
  }
  return [...keys, ...publicRoutes.map((key) => ({ key, public: true }))];
}

/** CloudFront path patterns sent straight to the ALB: WebSocket prefixes (HTTP APIs cannot carry them). */
export function webSocketPathPatterns(routes: readonly Route[] = ROUTES): string[] {
  return [...new Set(routes.filter((r) => r.websocket).map((r) => `${r.prefix}/*`))];
}

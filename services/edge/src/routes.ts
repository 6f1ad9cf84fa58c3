import type { Env } from './env.ts';

export type Upstream = 'identity' | 'pocs' | 'query' | 'dojo' | 'reports' | 'video';

/** One routing rule: a path prefix (and methods) owned by a service. */
export interface Route {
  readonly prefix: string;
  readonly upstream: Upstream;
  /** Methods routed; default: every method but OPTIONS (CORS preflight is answered by the edge). */
  readonly methods?: readonly string[];
  readonly websocket?: boolean;
}

const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE'];
const READ = ['GET', 'HEAD'];

/**
 * Who owns which path. POCs are CQRS: writes go to `pocs`, reads to `query`.
 * Mirrors the API Gateway routes of `cdk/` and the ingress of `charts/`.
 */
export const ROUTES: readonly Route[] = [
  { prefix: '/.well-known', upstream: 'identity' },
  { prefix: '/v1/tenants', upstream: 'identity' },
  { prefix: '/v1/auth', upstream: 'identity' },
  { prefix: '/v1/me', upstream: 'identity' },
  { prefix: '/v1/users', upstream: 'identity' },
  { prefix: '/v1/pocs', upstream: 'pocs', methods: WRITE },
  { prefix: '/v1/pocs', upstream: 'query', methods: READ },
  { prefix: '/v1/dojos', upstream: 'dojo', websocket: true },
  { prefix: '/v1/reports', upstream: 'reports' },
  { prefix: '/v1/videos', upstream: 'video' },
];

export function upstreamUrls(env: Env): Record<Upstream, string> {
  return {
    identity: env.IDENTITY_URL,
    pocs: env.POCS_URL,
    query: env.QUERY_URL,
    dojo: env.DOJO_URL,
    reports: env.REPORTS_URL,
    video: env.VIDEO_URL,
  };
}

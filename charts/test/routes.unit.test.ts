// The Ingress against the product's route table: services/edge/src/routes.ts (ROUTES) is the source
// of truth; the rendered Ingress objects (default and prod values) must route every prefix of it to
// its owner — directly, or through the edge when the owner depends on the method — and nothing else.
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../services/edge/src/routes.ts';
import type { Endpoint } from '../testing/netpol.ts';
import { renderChart, type K8sObject } from '../testing/render.ts';
import { expectedBackends, ingressPaths, ingressRouteViolations, type RouteRow } from '../testing/routes.ts';

const ingressController: Endpoint = { pod: { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } } };
const variants = {
  default: renderChart(),
  prod: renderChart({ valuesFiles: ['values-prod.yaml'] }),
};

describe.each(Object.keys(variants) as (keyof typeof variants)[])('%s values: the Ingress routes exactly ROUTES', (variant) => {
  const objects = variants[variant];

  it('routes every prefix of ROUTES to its owner (method-split prefixes through the edge) and no other path', () => {
    expect(ingressRouteViolations(objects, ROUTES, { ingressController })).toEqual([]);
  });

  it('sends POCs to the edge, which reaches pocs for writes and query for reads', () => {
    const table = Object.fromEntries(ingressPaths(objects).map((p) => [p.path, p.service]));
    expect(table).toEqual({
      '/.well-known': 'identity',
      '/v1/tenants': 'identity',
      '/v1/auth': 'identity',
      '/v1/me': 'identity',
      '/v1/users': 'identity',
      '/v1/pocs': 'edge',
      '/v1/dojos': 'dojo',
      '/v1/reports': 'reports',
      '/v1/videos': 'video',
    });
    expect(ROUTES.filter((r) => r.prefix === '/v1/pocs').map((r) => r.upstream).sort()).toEqual(['pocs', 'query']);
  });
});

describe('the route check itself can fail', () => {
  const base = variants.prod;
  const check = (objects: readonly K8sObject[], routes: readonly RouteRow[] = ROUTES) => ingressRouteViolations(objects, routes, { ingressController });
  /** A copy of `base` with one Ingress's paths rewritten. */
  const withPaths = (ingress: string, rewrite: (paths: { path: string; backend: { service: { name: string } } }[]) => unknown[]) =>
    base.map((o) => {
      if (o.kind !== 'Ingress' || o.metadata.name !== ingress) return o;
      const copy = structuredClone(o);
      const http = (copy.spec as { rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[] }).rules[0]!.http;
      http.paths = rewrite(http.paths) as typeof http.paths;
      return copy;
    });

  it('a prefix of ROUTES that no Ingress routes (/v1/me dropped from identity)', () => {
    expect(check(withPaths('identity', (paths) => paths.filter((p) => p.path !== '/v1/me')))).toEqual(['/v1/me (identity): routed by no Ingress']);
  });

  it('a path ROUTES does not know (/v1/search)', () => {
    const extra = withPaths('identity', (paths) => [...paths, { ...structuredClone(paths[0]!), path: '/v1/search' }]);
    expect(check(extra)).toEqual(['Ingress identity /v1/search: not a prefix of ROUTES (services/edge/src/routes.ts)']);
  });

  it('a method-split prefix sent straight to one owner instead of the edge', () => {
    const direct = withPaths('edge', (paths) => paths.map((p) => ({ ...p, backend: { service: { name: 'pocs', port: { name: 'http' } } } })));
    expect(check(direct)).toEqual(
      expect.arrayContaining(['Ingress edge /v1/pocs: goes to pocs, expected edge (its owner depends on the method: pocs, query)']),
    );
  });

  it('a prefix added to ROUTES but not to the charts', () => {
    expect(check(base, [...ROUTES, { prefix: '/v1/katas', upstream: 'dojo' }])).toEqual(['/v1/katas (dojo): routed by no Ingress']);
  });

  it('a prefix of ROUTES that becomes method-split must move to the edge', () => {
    const split: RouteRow[] = [...ROUTES.filter((r) => r.prefix !== '/v1/reports'), { prefix: '/v1/reports', upstream: 'reports', methods: ['GET'] }];
    expect(expectedBackends(split).get('/v1/reports')?.backend).toBe('edge');
    expect(check(base, split)).toEqual(['Ingress reports /v1/reports: goes to reports, expected edge (its owner depends on the method: reports)']);
  });

  it('the edge without the address of an owner, or not allowed to reach it', () => {
    const noQueryUrl = base.map((o) => {
      if (o.kind !== 'Deployment' || o.metadata.name !== 'edge') return o;
      const copy = structuredClone(o) as K8sObject & { spec: { template: { spec: { containers: { env: { name: string }[] }[] } } } };
      const c = copy.spec.template.spec.containers[0]!;
      c.env = c.env.filter((e) => e.name !== 'QUERY_URL');
      return copy;
    });
    expect(check(noQueryUrl)).toEqual(['/v1/pocs via edge: QUERY_URL is unset, expected http://query:8080']);

    const queryClosed = base.map((o) => {
      if (o.kind !== 'NetworkPolicy' || o.metadata.name !== 'query') return o;
      const copy = structuredClone(o);
      (copy.spec as { ingress: unknown[] }).ingress = [];
      return copy;
    });
    expect(check(queryClosed)).toEqual(['/v1/pocs via edge: NetworkPolicy forbids edge → query:8080']);
  });

  it('a backend the ingress controller may not reach, or a WebSocket route with nginx\'s 60 s timeout', () => {
    const closedDojo = base.map((o) => {
      if (o.kind === 'NetworkPolicy' && o.metadata.name === 'dojo') {
        const copy = structuredClone(o);
        (copy.spec as { ingress: unknown[] }).ingress = [];
        return copy;
      }
      if (o.kind === 'Ingress' && o.metadata.name === 'dojo') {
        const copy = structuredClone(o);
        delete copy.metadata.annotations;
        return copy;
      }
      return o;
    });
    expect(check(closedDojo).sort()).toEqual([
      'Ingress dojo /v1/dojos: WebSocket route without a long nginx.ingress.kubernetes.io/proxy-read-timeout',
      'Ingress dojo /v1/dojos: the ingress controller may not reach dojo on 8080 (NetworkPolicy)',
    ]);
  });
});

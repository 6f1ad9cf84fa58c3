/**
 * Does the rendered Ingress route the public API the way the edge's route table says? The table is
 * `ROUTES` of services/edge/src/routes.ts (prefix → owning service, optionally per method). An
 * Ingress routes by path only, so:
 *   - a prefix with one owner and no method restriction goes straight to that owner's Service;
 *   - a prefix whose owner depends on the method (POCs: writes → pocs, reads → query) goes to the
 *     edge Deployment, which runs the same table; the edge then needs `<OWNER>_URL` pointing at
 *     each owner's Service and a NetworkPolicy letting it through.
 * Every Ingress path must be a prefix of the table; every prefix must be routed exactly once, to a
 * Service that exists, selects its Deployment and that the ingress controller may reach.
 * Returns violations (empty = in sync).
 *
 * @example
 *   import { ROUTES } from '../../services/edge/src/routes.ts';
 *   expect(ingressRouteViolations(renderChart(), ROUTES, { ingressController })).toEqual([]);
 */
import { allowed, type Endpoint } from './netpol.ts';
import { byKind, selects, type DeploymentLike } from './policy.ts';
import type { K8sObject } from './render.ts';

/** The shape of a row of ROUTES (services/edge/src/routes.ts). */
export interface RouteRow {
  readonly prefix: string;
  readonly upstream: string;
  readonly methods?: readonly string[];
  readonly websocket?: boolean;
}

export interface IngressPath {
  readonly ingress: string;
  readonly path: string;
  readonly pathType: string;
  readonly service: string;
  readonly port: string | number | undefined;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RouteCheckOptions {
  /** The ingress controller's pods, to check it may reach each backend. */
  readonly ingressController: Endpoint;
  /** The Deployment (and Service) that splits prefixes by method. Default `edge`. */
  readonly edge?: string;
  /** Namespace the release is rendered into. Default `poc`. */
  readonly namespace?: string;
}

/** Ingress annotation that keeps a WebSocket open longer than nginx's 60 s default. */
const WEBSOCKET_TIMEOUT = 'nginx.ingress.kubernetes.io/proxy-read-timeout';

interface IngressSpec {
  rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend?: { service?: { name?: string; port?: { name?: string; number?: number } } } }[] } }[];
}
interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: { name?: string; port: number; targetPort?: string | number }[];
}

/** Every path of every rendered Ingress, flattened. */
export function ingressPaths(objects: readonly K8sObject[]): IngressPath[] {
  return byKind(objects, 'Ingress').flatMap((ingress) =>
    ((ingress.spec as IngressSpec).rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).map((p) => ({
        ingress: ingress.metadata.name,
        path: p.path ?? '',
        pathType: p.pathType ?? '',
        service: p.backend?.service?.name ?? '',
        port: p.backend?.service?.port?.name ?? p.backend?.service?.port?.number,
        annotations: ingress.metadata.annotations ?? {},
      })),
    ),
  );
}

/** Prefix → the Service the Ingress must send it to, and the services that finally answer it. */
export function expectedBackends(routes: readonly RouteRow[], edge = 'edge'): Map<string, { backend: string; owners: string[]; websocket: boolean }> {
  const byPrefix = new Map<string, RouteRow[]>();
  for (const r of routes) byPrefix.set(r.prefix, [...(byPrefix.get(r.prefix) ?? []), r]);
  const expected = new Map<string, { backend: string; owners: string[]; websocket: boolean }>();
  for (const [prefix, rows] of byPrefix) {
    const owners = [...new Set(rows.map((r) => r.upstream))];
    // One owner for every method: the Ingress can route it. Anything method-dependent: the edge.
    const direct = owners.length === 1 && rows.every((r) => r.methods === undefined);
    expected.set(prefix, { backend: direct ? owners[0]! : edge, owners, websocket: rows.some((r) => r.websocket === true) });
  }
  return expected;
}

export function ingressRouteViolations(objects: readonly K8sObject[], routes: readonly RouteRow[], options: RouteCheckOptions): string[] {
  const edge = options.edge ?? 'edge';
  const namespace = options.namespace ?? 'poc';
  const violations: string[] = [];
  const expected = expectedBackends(routes, edge);
  const paths = ingressPaths(objects);
  const services = new Map(byKind(objects, 'Service').map((s) => [s.metadata.name, s.spec as ServiceSpec]));
  const deployments = new Map(byKind<DeploymentLike>(objects, 'Deployment').map((d) => [d.metadata.name, d]));
  const pod = (name: string): Endpoint | undefined => {
    const d = deployments.get(name);
    return d ? { pod: { namespace, labels: d.spec.template.metadata.labels } } : undefined;
  };
  /** The Service `name` exists, selects Deployment `name`, and has the port; returns its port number. */
  const servicePort = (name: string, port: string | number | undefined, context: string): number | undefined => {
    const service = services.get(name);
    if (!service) {
      violations.push(`${context}: no Service ${name}`);
      return undefined;
    }
    const d = deployments.get(name);
    if (!d || !selects(service.selector, d.spec.template.metadata.labels)) violations.push(`${context}: Service ${name} does not select the ${name} Deployment`);
    const p = (service.ports ?? []).find((sp) => (typeof port === 'number' ? sp.port === port : port === undefined || sp.name === port));
    if (!p) violations.push(`${context}: Service ${name} has no port ${String(port)}`);
    return p?.port;
  };

  for (const p of paths) {
    const where = `Ingress ${p.ingress} ${p.path}`;
    const want = expected.get(p.path);
    if (!want) {
      violations.push(`${where}: not a prefix of ROUTES (services/edge/src/routes.ts)`);
      continue;
    }
    if (p.pathType !== 'Prefix') violations.push(`${where}: pathType ${p.pathType}, expected Prefix (ROUTES matches by prefix)`);
    if (p.service !== want.backend) {
      const via = want.backend === edge ? `${edge} (its owner depends on the method: ${want.owners.join(', ')})` : want.backend;
      violations.push(`${where}: goes to ${p.service}, expected ${via}`);
    }
    const port = servicePort(p.service, p.port, where);
    const target = pod(p.service);
    if (port !== undefined && target && !allowed(objects, options.ingressController, target, port)) {
      violations.push(`${where}: the ingress controller may not reach ${p.service} on ${port} (NetworkPolicy)`);
    }
    if (want.websocket && !(Number(p.annotations[WEBSOCKET_TIMEOUT]) >= 3600)) {
      violations.push(`${where}: WebSocket route without a long ${WEBSOCKET_TIMEOUT}`);
    }
  }

  for (const [prefix, want] of expected) {
    const routed = paths.filter((p) => p.path === prefix);
    if (routed.length === 0) violations.push(`${prefix} (${want.owners.join(', ')}): routed by no Ingress`);
    if (routed.length > 1) violations.push(`${prefix}: routed by ${routed.length} Ingress paths (${routed.map((p) => p.ingress).join(', ')})`);
    if (want.backend !== edge) continue;
    // Through the edge: it must know where each owner is, and be allowed to call it.
    const edgePod = pod(edge);
    const container = deployments.get(edge)?.spec.template.spec.containers[0] as unknown as { env?: { name: string; value?: string }[] } | undefined;
    if (!edgePod || !container) {
      violations.push(`${prefix}: needs the ${edge} Deployment, which is not rendered`);
      continue;
    }
    for (const owner of want.owners) {
      const variable = `${owner.toUpperCase()}_URL`;
      const port = servicePort(owner, 'http', `${prefix} via ${edge} → ${owner}`);
      const value = container.env?.find((e) => e.name === variable)?.value;
      if (value !== `http://${owner}:${port}`) violations.push(`${prefix} via ${edge}: ${variable} is ${value ?? 'unset'}, expected http://${owner}:${port}`);
      const target = pod(owner);
      if (port !== undefined && target && !allowed(objects, edgePod, target, port)) violations.push(`${prefix} via ${edge}: NetworkPolicy forbids ${edge} → ${owner}:${port}`);
    }
  }
  return violations;
}

import { describe, expect, it } from 'vitest';
import { resolveStageConfig } from '../../cdk/src/config.ts';
import { allowed, type Endpoint } from '../testing/netpol.ts';
import { byKind, workloadViolations, type DeploymentLike } from '../testing/policy.ts';
import { helmLint, helmTemplate, renderChart, type K8sObject } from '../testing/render.ts';
import { schemaErrors } from '../testing/schema.ts';

const SERVICES = ['identity', 'pocs', 'query', 'dojo', 'reports', 'video', 'projector', 'edge'];
/** Scaled on CPU by an HPA. */
const HTTP = ['identity', 'pocs', 'query', 'dojo', 'reports', 'edge'];
/** Scaled on Kafka lag by KEDA (video also serves /v1/videos: kind http-worker). */
const KAFKA_SCALED = ['video', 'projector'];
/** What the ingress controller reaches: the owners of direct prefixes, and the edge for /v1/pocs. */
const PUBLIC = ['identity', 'dojo', 'reports', 'video', 'edge'];
/** Reached only through the edge (ROUTES splits /v1/pocs between them by method). */
const BEHIND_EDGE = ['pocs', 'query'];
const ENV = ['DATABASE_URL', 'KAFKA_BROKERS', 'OPENSEARCH_URL', 'S3_REGION', 'REDIS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWKS_URL', 'LOG_LEVEL', 'PORT'];
/** services/edge/src/env.ts: the edge reads its upstreams, and holds no credentials. */
const EDGE_ENV = ['IDENTITY_URL', 'POCS_URL', 'QUERY_URL', 'DOJO_URL', 'REPORTS_URL', 'VIDEO_URL', 'LOG_LEVEL', 'PORT'];
/** The edge's /health/ready waits for every upstream: its readiness probe is liveness (see charts/edge/values.yaml). */
const POLICY = { readinessPaths: { edge: '/health/live' } };

const variants = {
  default: renderChart(),
  prod: renderChart({ valuesFiles: ['values-prod.yaml'] }),
};

const labelsOf = (objects: readonly K8sObject[], name: string) =>
  byKind<DeploymentLike>(objects, 'Deployment').find((d) => d.metadata.name === name)!.spec.template.metadata.labels;

describe.each(Object.keys(variants) as (keyof typeof variants)[])('%s values', (variant) => {
  const objects = variants[variant];
  const valuesFiles = variant === 'prod' ? ['values-prod.yaml'] : [];

  it('lints clean with helm lint --strict', () => {
    expect(() => helmLint({ valuesFiles })).not.toThrow();
  });

  it('renders only objects that pass their Kubernetes JSON schema', () => {
    expect(objects.length).toBeGreaterThan(40);
    expect(schemaErrors(objects)).toEqual([]);
  });

  it('renders one Deployment per service', () => {
    expect(byKind(objects, 'Deployment').map((d) => d.metadata.name).sort()).toEqual([...SERVICES].sort());
  });

  it('gives every Deployment probes, resources, a PDB, a zone spread, its ServiceAccount and one scaler', () => {
    expect(workloadViolations(objects, POLICY)).toEqual([]);
  });

  it('scales the projector and the video worker on Kafka lag (KEDA), the HTTP services on CPU', () => {
    const scaled = byKind(objects, 'ScaledObject');
    expect(scaled.map((s) => s.metadata.name).sort()).toEqual([...KAFKA_SCALED].sort());
    for (const s of scaled) {
      const triggers = (s.spec as { triggers: { type: string; metadata: Record<string, string>; authenticationRef: { name: string } }[] }).triggers;
      expect(triggers.filter((t) => t.type === 'kafka').length).toBeGreaterThan(0);
      for (const t of triggers.filter((t) => t.type !== 'cpu')) {
        expect(t.type).toBe('kafka');
        expect(t.metadata).toMatchObject({ sasl: 'aws_msk_iam', tls: 'enable' });
        expect(byKind(objects, 'TriggerAuthentication').map((a) => a.metadata.name)).toContain(t.authenticationRef.name);
      }
    }
    const projectorTopics = (scaled.find((s) => s.metadata.name === 'projector')!.spec as { triggers: { metadata: { topic: string } }[] }).triggers.map((t) => t.metadata.topic);
    expect(projectorTopics.sort()).toEqual(['dojos.events.v1', 'identity.events.v1', 'pocs.events.v1', 'videos.events.v1']);
    // video serves an API too: CPU scales it as well as the render backlog.
    const videoTriggers = (scaled.find((s) => s.metadata.name === 'video')!.spec as { triggers: { type: string; metricType?: string }[] }).triggers;
    expect(videoTriggers.find((t) => t.type === 'cpu')).toMatchObject({ metricType: 'Utilization' });
    expect(byKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name).sort()).toEqual([...HTTP].sort());
  });

  it('wires every environment variable the services read into every Deployment', () => {
    const config = byKind(objects, 'ConfigMap')[0]!.data as Record<string, string>;
    const secretKeys =
      variant === 'prod'
        ? Object.keys(((byKind(objects, 'ExternalSecret')[0]!.spec as { target: { template: { data: Record<string, string> } } }).target.template.data))
        : Object.keys((byKind(objects, 'Secret')[0] as unknown as { stringData: Record<string, string> }).stringData);
    for (const d of byKind<DeploymentLike>(objects, 'Deployment')) {
      const c = d.spec.template.spec.containers[0]! as unknown as { env: { name: string }[]; envFrom: { secretRef?: unknown }[] };
      const usesSecret = c.envFrom.some((e) => e.secretRef);
      const names = new Set([...Object.keys(config), ...(usesSecret ? secretKeys : []), ...c.env.map((e) => e.name)]);
      for (const name of d.metadata.name === 'edge' ? EDGE_ENV : ENV) expect(names.has(name), `${d.metadata.name} lacks ${name}`).toBe(true);
      // The edge proxies; it gets no database or Redis credentials.
      if (d.metadata.name === 'edge') for (const name of secretKeys) expect(names.has(name), `edge has ${name}`).toBe(false);
    }
    const env = (name: string) => (byKind<DeploymentLike>(objects, 'Deployment').find((d) => d.metadata.name === name)!.spec.template.spec.containers[0] as unknown as { env: { name: string; value: string }[] }).env;
    expect(env('video').map((e) => e.name)).toContain('VIDEO_BROWSER_EXECUTABLE');
    if (variant === 'prod') {
      expect(env('video').find((e) => e.name === 'S3_BUCKET')?.value).toMatch(/media/);
      expect(env('reports').find((e) => e.name === 'S3_BUCKET')?.value).toMatch(/reports/);
    }
  });

  it('signs tokens for the issuer and audience the API Gateway JWT authorizer of the same stage accepts (cdk/src/config.ts)', () => {
    const config = byKind(objects, 'ConfigMap')[0]!.data as Record<string, string>;
    const { jwt } = resolveStageConfig((key) => (key === 'stage' ? (variant === 'prod' ? 'prod' : 'dev') : undefined));
    expect(config.JWT_ISSUER).toBe(jwt.issuer);
    expect(jwt.audience).toContain(config.JWT_AUDIENCE);
  });

  it('exposes the public services and the edge through the ingress, the dojo with WebSocket-length timeouts, and no worker', () => {
    const ingresses = byKind(objects, 'Ingress');
    expect(ingresses.map((i) => i.metadata.name).sort()).toEqual([...PUBLIC].sort());
    const dojo = ingresses.find((i) => i.metadata.name === 'dojo')!;
    expect(Number(dojo.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(JSON.stringify(dojo.spec)).toContain('/v1/dojos');
  });

  describe('network policies allow only what the architecture needs', () => {
    const pod = (name: string): Endpoint => ({ pod: { namespace: 'poc', labels: labelsOf(objects, name) } });
    const ingressController: Endpoint = { pod: { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } } };
    const prometheus: Endpoint = { pod: { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } } };
    const stranger: Endpoint = { pod: { namespace: 'default', labels: { app: 'curl' } } };
    const dns: Endpoint = { pod: { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } } };
    const aurora: Endpoint = { ip: '10.0.128.10' };
    const msk: Endpoint = { ip: '10.0.129.20' };
    const opensearch: Endpoint = { ip: '10.0.130.30' };
    const redis: Endpoint = { ip: '10.0.128.40' };
    const internet: Endpoint = { ip: '52.95.1.1' };
    const otherVpcHost: Endpoint = { ip: '10.0.40.5' };

    it.each(PUBLIC)('the ingress controller reaches %s; a pod of another namespace does not', (name) => {
      expect(allowed(objects, ingressController, pod(name), 8080)).toBe(true);
      expect(allowed(objects, stranger, pod(name), 8080)).toBe(false);
      expect(allowed(objects, ingressController, pod(name), 22)).toBe(false);
    });

    it.each(BEHIND_EDGE)('%s is reached through the edge only, not by the ingress controller', (name) => {
      expect(allowed(objects, pod('edge'), pod(name), 8080)).toBe(true);
      expect(allowed(objects, ingressController, pod(name), 8080)).toBe(false);
      expect(allowed(objects, pod('dojo'), pod(name), 8080)).toBe(false);
    });

    it('the edge reaches every service it proxies (ROUTES, health, OpenAPI), and nothing else', () => {
      for (const name of ['identity', 'pocs', 'query', 'dojo', 'reports', 'video']) expect(allowed(objects, pod('edge'), pod(name), 8080), name).toBe(true);
      expect(allowed(objects, pod('edge'), pod('projector'), 8080)).toBe(false);
      expect(allowed(objects, pod('edge'), aurora, 5432)).toBe(false);
      expect(allowed(objects, pod('edge'), internet, 443)).toBe(false);
    });

    it('nothing but Prometheus reaches the projector', () => {
      expect(allowed(objects, ingressController, pod('projector'), 8080)).toBe(false);
      expect(allowed(objects, pod('edge'), pod('projector'), 8080)).toBe(false);
      expect(allowed(objects, pod('pocs'), pod('projector'), 8080)).toBe(false);
      expect(allowed(objects, prometheus, pod('projector'), 8080)).toBe(true);
    });

    it.each(SERVICES)('%s resolves DNS and is scraped by Prometheus', (name) => {
      expect(allowed(objects, pod(name), dns, 53, 'UDP')).toBe(true);
      expect(allowed(objects, prometheus, pod(name), 8080)).toBe(true);
    });

    it('every service reaches identity (JWKS); services do not call one another otherwise', () => {
      for (const name of ['pocs', 'query', 'dojo', 'reports', 'video']) expect(allowed(objects, pod(name), pod('identity'), 8080), name).toBe(true);
      expect(allowed(objects, pod('pocs'), pod('query'), 8080)).toBe(false);
      expect(allowed(objects, pod('dojo'), pod('reports'), 8080)).toBe(false);
      expect(allowed(objects, pod('video'), pod('pocs'), 8080)).toBe(false);
      expect(allowed(objects, pod('pocs'), pod('video'), 8080)).toBe(false);
    });

    it('data stores: each service reaches exactly the engines it uses', () => {
      const matrix: Record<string, [Endpoint, number][]> = {
        identity: [[aurora, 5432], [msk, 9098]],
        pocs: [[aurora, 5432], [msk, 9098]],
        query: [[aurora, 5432], [opensearch, 443], [redis, 6379]],
        dojo: [[aurora, 5432], [msk, 9098], [redis, 6379]],
        reports: [[aurora, 5432]],
        video: [[aurora, 5432], [msk, 9098]],
        projector: [[aurora, 5432], [msk, 9098], [opensearch, 443]],
        edge: [],
      };
      const all: [Endpoint, number][] = [[aurora, 5432], [msk, 9098], [opensearch, 443], [redis, 6379]];
      for (const [name, allowedTargets] of Object.entries(matrix)) {
        for (const [target, port] of all) {
          const expected = allowedTargets.some(([t, p]) => t === target && p === port);
          expect(allowed(objects, pod(name), target, port), `${name} → ${JSON.stringify(target)}:${port}`).toBe(expected);
        }
      }
    });

    it('AWS APIs are reachable over 443 only, and never an address inside the VPC by that rule', () => {
      expect(allowed(objects, pod('video'), internet, 443)).toBe(true);
      expect(allowed(objects, pod('video'), internet, 80)).toBe(false);
      expect(allowed(objects, pod('video'), otherVpcHost, 443)).toBe(false);
    });
  });
});

describe('prod values', () => {
  const prod = variants.prod;
  it('insists on the zone spread, binds IRSA roles and syncs secrets from Secrets Manager', () => {
    for (const d of byKind<DeploymentLike>(prod, 'Deployment')) {
      expect(d.spec.template.spec.topologySpreadConstraints?.find((t) => t.topologyKey === 'topology.kubernetes.io/zone')).toMatchObject({ whenUnsatisfiable: 'DoNotSchedule' });
    }
    for (const sa of byKind(prod, 'ServiceAccount')) {
      expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(`arn:aws:iam::111111111111:role/poc-prod-${sa.metadata.name}`);
    }
    expect(byKind(prod, 'Secret')).toEqual([]);
    expect(byKind(prod, 'ExternalSecret')).toHaveLength(1);
    expect(byKind(prod, 'TargetGroupBinding')).toHaveLength(1);
  });

  it('keeps at least three replicas of every HTTP service, the edge, video and the projector, one per zone', () => {
    const hpas = byKind(prod, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual([...HTTP].sort());
    for (const h of hpas) expect((h.spec as { minReplicas: number }).minReplicas).toBeGreaterThanOrEqual(3);
    for (const s of byKind(prod, 'ScaledObject')) expect((s.spec as { minReplicaCount: number }).minReplicaCount, s.metadata.name).toBeGreaterThanOrEqual(3);
  });
});

describe('the checks themselves can fail', () => {
  const base = variants.prod;
  const without = (predicate: (o: K8sObject) => boolean) => base.filter((o) => !predicate(o));
  const mutateDeployment = (name: string, mutate: (d: DeploymentLike) => void) =>
    base.map((o) => {
      if (o.kind !== 'Deployment' || o.metadata.name !== name) return o;
      const copy = structuredClone(o) as DeploymentLike;
      mutate(copy);
      return copy;
    });

  it('a missing PDB is reported', () => {
    expect(workloadViolations(without((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'pocs'), POLICY)).toEqual([
      'pocs: expected one PodDisruptionBudget selecting its pods, found 0',
    ]);
  });

  it('missing probes, resources or zone spread are reported', () => {
    const v = workloadViolations(
      mutateDeployment('dojo', (d) => {
        const c = d.spec.template.spec.containers[0]!;
        delete c.readinessProbe;
        delete c.resources!.limits;
        d.spec.template.spec.topologySpreadConstraints = [];
      }),
    );
    expect(v).toEqual(
      expect.arrayContaining([
        'dojo/dojo: readinessProbe must GET /health/ready',
        'dojo/dojo: resources.limits.cpu missing',
        'dojo: no topology spread over zones selecting its pods',
      ]),
    );
  });

  it('a worker scaled by an HPA instead of KEDA is reported', () => {
    expect(workloadViolations(without((o) => o.kind === 'ScaledObject' && o.metadata.name === 'video'), POLICY)).toEqual(['video: expected exactly one ScaledObject, found []']);
  });

  it('a readiness probe off /health/ready is reported unless it is the one named (the edge)', () => {
    expect(workloadViolations(base)).toEqual(['edge/edge: readinessProbe must GET /health/ready']);
    const pocsOnLive = mutateDeployment('pocs', (d) => {
      d.spec.template.spec.containers[0]!.readinessProbe = { httpGet: { path: '/health/live', port: 'http' } };
    });
    expect(workloadViolations(pocsOnLive, POLICY)).toEqual(['pocs/pocs: readinessProbe must GET /health/ready']);
  });

  it('a schema violation and an unknown kind are reported', () => {
    const broken = mutateDeployment('query', (d) => {
      (d.spec as unknown as { replicas: string }).replicas = 'three';
    });
    expect(schemaErrors(broken)).toEqual(['apps/v1/Deployment query: data/spec/replicas must be integer']);
    expect(schemaErrors([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }])).toEqual(['example.com/v1/Widget w: no schema for this kind']);
  });

  it('without the default-deny policy a stranger reaches the projector', () => {
    const open = without((o) => o.kind === 'NetworkPolicy');
    const projector: Endpoint = { pod: { namespace: 'poc', labels: labelsOf(base, 'projector') } };
    expect(allowed(open, { pod: { namespace: 'default', labels: {} } }, projector, 8080)).toBe(true);
  });

  it('helm refuses values that would break the shape (HPA and KEDA on one Deployment)', () => {
    expect(() => helmTemplate({ set: { 'video.autoscaling.enabled': 'true' } })).toThrow(/either autoscaling \(HPA\) or kafkaScaling \(KEDA\)/);
  });
});

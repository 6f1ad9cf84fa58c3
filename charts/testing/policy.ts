/**
 * What every POC Tracker Deployment must have, as a list of violations (empty = compliant):
 * probes on the health routes, CPU/memory requests and limits, a PodDisruptionBudget that selects
 * its pods, a spread over zones, its own ServiceAccount, a non-root pod, and exactly one scaler
 * (an HPA for HTTP services, a KEDA ScaledObject on Kafka lag for the workers, `http-worker` included).
 * A Deployment may probe readiness elsewhere than /health/ready only when the caller names it in
 * `readinessPaths` (the edge, whose /health/ready means "every upstream is ready").
 *
 * @example
 *   expect(workloadViolations(renderChart({ valuesFiles: ['values-prod.yaml'] }))).toEqual([]);
 */
import type { K8sObject } from './render.ts';

interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface Container {
  name: string;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean };
}
interface PodSpec {
  containers: Container[];
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  topologySpreadConstraints?: { topologyKey: string; maxSkew: number; labelSelector?: { matchLabels?: Record<string, string> } }[];
}
export interface DeploymentLike extends K8sObject {
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

export const byKind = <T extends K8sObject = K8sObject>(objects: readonly K8sObject[], kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];

/** Kubernetes label-selector semantics for matchLabels. */
export const selects = (matchLabels: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  !!matchLabels && Object.keys(matchLabels).length > 0 && Object.entries(matchLabels).every(([k, v]) => labels[k] === v);

export interface PolicyOptions {
  /** Deployment name → the readiness path it is allowed instead of /health/ready. */
  readonly readinessPaths?: Readonly<Record<string, string>>;
}

export function workloadViolations(objects: readonly K8sObject[], options: PolicyOptions = {}): string[] {
  const violations: string[] = [];
  const deployments = byKind<DeploymentLike>(objects, 'Deployment');
  if (deployments.length === 0) violations.push('no Deployment rendered');
  const pdbs = byKind(objects, 'PodDisruptionBudget');
  const hpas = byKind(objects, 'HorizontalPodAutoscaler');
  const scaledObjects = byKind(objects, 'ScaledObject');
  const serviceAccounts = new Set(byKind(objects, 'ServiceAccount').map((s) => s.metadata.name));
  const configMaps = new Set(byKind(objects, 'ConfigMap').map((c) => c.metadata.name));
  const secrets = new Set([...byKind(objects, 'Secret'), ...byKind(objects, 'ExternalSecret')].map((s) => s.metadata.name));

  for (const d of deployments) {
    const name = d.metadata.name;
    const pod = d.spec.template.spec;
    const podLabels = d.spec.template.metadata.labels;
    if (!selects(d.spec.selector.matchLabels, podLabels)) violations.push(`${name}: selector does not match its pod labels`);
    for (const c of pod.containers) {
      const probe = (kind: 'livenessProbe' | 'readinessProbe', path: string) => {
        if (c[kind]?.httpGet?.path !== path) violations.push(`${name}/${c.name}: ${kind} must GET ${path}`);
      };
      probe('livenessProbe', '/health/live');
      probe('readinessProbe', options.readinessPaths?.[name] ?? '/health/ready');
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (!c.resources?.[kind]?.[resource]) violations.push(`${name}/${c.name}: resources.${kind}.${resource} missing`);
        }
      }
      if (c.securityContext?.allowPrivilegeEscalation !== false) violations.push(`${name}/${c.name}: allowPrivilegeEscalation must be false`);
      for (const ref of c.envFrom ?? []) {
        if (ref.configMapRef && !configMaps.has(ref.configMapRef.name)) violations.push(`${name}: envFrom ConfigMap ${ref.configMapRef.name} is not rendered`);
        if (ref.secretRef && !secrets.has(ref.secretRef.name)) violations.push(`${name}: envFrom Secret ${ref.secretRef.name} is neither rendered nor synced by an ExternalSecret`);
      }
    }
    if (pod.securityContext?.runAsNonRoot !== true) violations.push(`${name}: pod must runAsNonRoot`);
    if (!pod.serviceAccountName || !serviceAccounts.has(pod.serviceAccountName)) violations.push(`${name}: its own ServiceAccount is not rendered`);
    const zoneSpread = (pod.topologySpreadConstraints ?? []).find((t) => t.topologyKey === 'topology.kubernetes.io/zone');
    if (!zoneSpread || !selects(zoneSpread.labelSelector?.matchLabels, podLabels)) violations.push(`${name}: no topology spread over zones selecting its pods`);
    const matchingPdbs = pdbs.filter((p) => selects((p.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels, podLabels));
    if (matchingPdbs.length !== 1) violations.push(`${name}: expected one PodDisruptionBudget selecting its pods, found ${matchingPdbs.length}`);
    const scaledBy = [
      ...hpas.filter((h) => (h.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef.name === name).map(() => 'HPA'),
      ...scaledObjects.filter((s) => (s.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name).map(() => 'ScaledObject'),
    ];
    const component = podLabels['app.kubernetes.io/component'];
    const expected = component === 'worker' || component === 'http-worker' ? 'ScaledObject' : 'HPA';
    if (scaledBy.length !== 1 || scaledBy[0] !== expected) violations.push(`${name}: expected exactly one ${expected}, found [${scaledBy.join(', ')}]`);
  }
  return violations;
}

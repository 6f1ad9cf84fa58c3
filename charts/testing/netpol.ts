/**
 * A small evaluator of Kubernetes NetworkPolicy semantics, to test what the rendered policies
 * actually allow: a connection is allowed when the source's egress and the destination's ingress
 * both allow it (a pod selected by no policy of a direction is open in that direction).
 * Supports what the charts use: podSelector/namespaceSelector matchLabels, ipBlock cidr/except, TCP/UDP ports.
 *
 * @example
 *   allowed(policies, { pod: { namespace: 'poc', labels: video } }, { pod: { namespace: 'poc', labels: pocs } }, 8080) // false
 */
import type { K8sObject } from './render.ts';
import { selects } from './policy.ts';

export interface Pod {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}
export type Endpoint = { readonly pod: Pod } | { readonly ip: string };

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number; protocol?: string }[];
}
interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

const ipToInt = (ip: string) => ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (ipToInt(ip) & mask) === (ipToInt(base) & mask);
}

const selectsPod = (selector: { matchLabels?: Record<string, string> }, labels: Record<string, string>) =>
  !selector.matchLabels || Object.keys(selector.matchLabels).length === 0 ? true : selects(selector.matchLabels, labels);

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) {
    if (!('ip' in other)) return false; // pod IPs are inside the excluded private ranges in our charts
    return inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((e) => inCidr(other.ip, e));
  }
  if (!('pod' in other)) return false;
  const nsOk = peer.namespaceSelector
    ? selectsPod(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.pod.namespace })
    : other.pod.namespace === policyNamespace;
  const podOk = peer.podSelector ? selectsPod(peer.podSelector, other.pod.labels) : true;
  return nsOk && podOk;
}

function ruleAllows(rule: Rule, direction: 'from' | 'to', policyNamespace: string, other: Endpoint, port: number, protocol: string): boolean {
  const peers = rule[direction];
  const peerOk = !peers || peers.length === 0 || peers.some((p) => peerMatches(p, policyNamespace, other));
  const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => (p.port === undefined || p.port === port) && (p.protocol ?? 'TCP') === protocol);
  return peerOk && portOk;
}

function directionAllows(policies: readonly K8sObject[], self: Pod, kind: 'Ingress' | 'Egress', other: Endpoint, port: number, protocol: string): boolean {
  const applying = policies.filter((p) => {
    const spec = p.spec as unknown as PolicySpec;
    const ns = p.metadata.namespace ?? 'poc';
    return ns === self.namespace && selectsPod(spec.podSelector, self.labels) && (spec.policyTypes ?? ['Ingress']).includes(kind);
  });
  if (applying.length === 0) return true;
  return applying.some((p) => {
    const spec = p.spec as unknown as PolicySpec;
    const rules = (kind === 'Ingress' ? spec.ingress : spec.egress) ?? [];
    return rules.some((r) => ruleAllows(r, kind === 'Ingress' ? 'from' : 'to', p.metadata.namespace ?? 'poc', other, port, protocol));
  });
}

/** Whether `from` may open a connection to `to` on `port`, given every NetworkPolicy rendered. */
export function allowed(objects: readonly K8sObject[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const egressOk = 'pod' in from ? directionAllows(policies, from.pod, 'Egress', to, port, protocol) : true;
  const ingressOk = 'pod' in to ? directionAllows(policies, to.pod, 'Ingress', from, port, protocol) : true;
  return egressOk && ingressOk;
}

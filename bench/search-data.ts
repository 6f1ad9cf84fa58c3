/**
 * Deterministic, realistic-looking POCs for the search bench: names built
 * from technology words and nouns, descriptions of 15–40 words (some with
 * accents), Zipf-distributed languages and tags, four statuses, creation dates
 * spread over three years.
 */

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TECH = [
  'kubernetes', 'kafka', 'postgresql', 'redis', 'graphql', 'react', 'webassembly', 'terraform', 'opensearch', 'elasticsearch',
  'docker', 'grpc', 'websocket', 'oauth', 'prometheus', 'grafana', 'serverless', 'lambda', 'spark', 'flink', 'airflow', 'dbt',
  'snowflake', 'clickhouse', 'cassandra', 'mongodb', 'neo4j', 'rabbitmq', 'nats', 'envoy', 'istio', 'linkerd', 'argocd', 'helm',
  'vault', 'consul', 'nomad', 'pulumi', 'ansible', 'jenkins', 'github', 'gitlab', 'sentry', 'opentelemetry', 'jaeger', 'tempo',
  'vite', 'nextjs', 'svelte', 'angular', 'vue', 'tailwind', 'expo', 'flutter', 'swiftui', 'jetpack', 'tensorflow', 'pytorch',
  'langchain', 'embeddings', 'vector', 'llm', 'whisper', 'stable', 'diffusion', 'blockchain', 'solidity', 'raft', 'paxos', 'crdt',
  'yjs', 'automerge', 'sqlite', 'duckdb', 'parquet', 'arrow', 'iceberg', 'delta', 'hudi', 'trino', 'presto', 'superset',
];
const NOUNS = [
  'operator', 'pipeline', 'gateway', 'dashboard', 'scheduler', 'exporter', 'connector', 'cache', 'proxy', 'crawler', 'indexer',
  'migrator', 'benchmark', 'playground', 'starter', 'template', 'sandbox', 'prototype', 'toolkit', 'plugin', 'adapter', 'bridge',
  'monitor', 'tracker', 'visualizer', 'generator', 'validator', 'router', 'balancer', 'replicator', 'synchronizer', 'notifier',
];
const ADJ = ['fast', 'tiny', 'distributed', 'realtime', 'secure', 'serverless', 'embedded', 'reactive', 'typed', 'streaming', 'offline', 'multi-tenant'];
const WORDS = [
  'integração', 'sincronização', 'replicação', 'análise', 'configuração', 'observabilidade', 'latência', 'métricas', 'segurança',
  'events', 'schema', 'migration', 'throughput', 'latency', 'cluster', 'partition', 'consumer', 'producer', 'index', 'query',
  'search', 'ranking', 'tenant', 'isolation', 'backup', 'restore', 'snapshot', 'failover', 'retry', 'idempotent', 'checkpoint',
  'projection', 'read', 'model', 'write', 'command', 'aggregate', 'stream', 'batch', 'window', 'join', 'shuffle', 'compaction',
  'tokenizer', 'analyzer', 'facet', 'filter', 'cursor', 'pagination', 'upload', 'download', 'render', 'video', 'report', 'export',
  'the', 'with', 'for', 'and', 'using', 'on', 'over', 'from', 'into', 'a', 'an', 'to', 'of', 'in', 'by', 'via',
];
export const LANGUAGES = [
  'typescript', 'go', 'python', 'rust', 'java', 'kotlin', 'javascript', 'c#', 'c++', 'ruby', 'elixir', 'scala', 'swift', 'php',
  'haskell', 'clojure', 'dart', 'lua', 'zig', 'ocaml', 'erlang', 'f#', 'julia', 'r', 'sql',
];
export const TAGS = [
  ...TECH,
  ...['backend', 'frontend', 'mobile', 'devops', 'data', 'ml', 'ai', 'security', 'performance', 'testing', 'cli', 'api', 'infra',
    'observability', 'search', 'streaming', 'event-sourcing', 'cqrs', 'ddd', 'microservices', 'monolith', 'hackathon', 'internal',
    'customer-demo', 'spike', 'research', 'integração', 'migração', 'legacy', 'cloud', 'aws', 'gcp', 'azure', 'on-prem', 'edge'],
];
export const STATUSES = ['idea', 'in_progress', 'done', 'abandoned'] as const;

function zipf(random: () => number, n: number, s = 1.1): number {
  // Inverse-CDF over a small table is plenty for a bench.
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  let x = random() * total;
  for (let i = 0; i < n; i++) {
    x -= weights[i]!;
    if (x <= 0) return i;
  }
  return n - 1;
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

/** A few thousand made-up words (syllables), so descriptions have a long-tailed vocabulary like real text. */
const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi', 'de', 'pa', 'ri', 'go', 'sha', 'tor', 'len', 'mar', 'bel', 'cor', 'din', 'fen'];
const VOCABULARY = (() => {
  const random = rng(7);
  const words = new Set<string>();
  while (words.size < 3000) words.add(Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(random, SYLLABLES)).join(''));
  return [...words];
})();

/** Zipf over a long list: index `floor(n^u)`-ish, cheap enough for 100k documents. */
function longTail(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1))) - 1);
}

export interface GeneratedPoc {
  name: string;
  description: string;
  languages: string[];
  tags: string[];
  status: (typeof STATUSES)[number];
  repoUrl: string | null;
  createdAt: string;
}

/** The `i`-th POC of a generator seeded with `seed`. */
export function generatePocs(count: number, seed: number): GeneratedPoc[] {
  const random = rng(seed);
  const start = Date.parse('2023-01-01T00:00:00.000Z');
  const span = 3 * 365 * 24 * 3600 * 1000;
  return Array.from({ length: count }, (_, i) => {
    const tech = pick(random, TECH);
    const name = `${random() < 0.3 ? pick(random, ADJ) + ' ' : ''}${tech} ${pick(random, NOUNS)}${random() < 0.2 ? ' ' + (i % 97) : ''}`;
    const words = Array.from({ length: 15 + Math.floor(random() * 25) }, () => {
      const r = random();
      return r < 0.05 ? pick(random, TECH) : r < 0.35 ? pick(random, WORDS) : VOCABULARY[longTail(random, VOCABULARY.length)]!;
    });
    const languages = [...new Set(Array.from({ length: 1 + Math.floor(random() * 2) }, () => LANGUAGES[zipf(random, LANGUAGES.length)]!))];
    const tags = [...new Set([tech, ...Array.from({ length: Math.floor(random() * 4) }, () => TAGS[zipf(random, TAGS.length, 0.6)]!)])];
    return {
      name: name.charAt(0).toUpperCase() + name.slice(1),
      description: words.join(' ') + '.',
      languages,
      tags,
      status: STATUSES[zipf(random, 4, 0.7)]!,
      repoUrl: random() < 0.6 ? `https://github.com/acme/${tech}-${i}` : null,
      createdAt: new Date(start + Math.floor(random() * span)).toISOString(),
    };
  });
}

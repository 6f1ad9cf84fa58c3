import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeWithEngines } from './index.ts';

// The search adapter and its contract suite belong to the query service; this proves the engine they get is a working node.
describeWithEngines(['opensearch'], 'OpenSearch engine for the search suites', ({ opensearch }) => {
  it('indexes a document and finds it with full-text search and highlights', async () => {
    const index = `engine-smoke-${randomUUID()}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${opensearch.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect((await call('PUT', `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0 } })).status).toBe(200);
    await call('PUT', `/${index}/_doc/1?refresh=true`, { name: 'Kubernetes operator in Go', tags: ['k8s'] });
    const found = await call('POST', `/${index}/_search`, { query: { match: { name: 'kubernetes' } }, highlight: { fields: { name: {} } } });
    const hits = (found.body.hits as { hits: { _id: string; highlight: { name: string[] } }[] }).hits;
    expect(hits.map((h) => h._id)).toEqual(['1']);
    expect(hits[0]!.highlight.name[0]).toContain('<em>Kubernetes</em>');
    expect((await call('DELETE', `/${index}`)).status).toBe(200);
  });
});

import { describe, it } from 'vitest';
import { testSearchPort } from '../testing/search-contract.ts';
import { OpenSearchSearch, createOpenSearchClient } from './opensearch-search.ts';

const url = process.env.OPENSEARCH_URL;

if (url) {
  testSearchPort('OpenSearch', async () => {
    const search = new OpenSearchSearch(createOpenSearchClient({ url }), { indexPrefix: `test-pocs-${Date.now().toString(36)}` });
    return {
      search,
      teardown: async () => {
        await createOpenSearchClient({ url }).request('DELETE', `/test-pocs-*`);
      },
    };
  });
} else {
  describe.skip('SearchPort contract: OpenSearch (OPENSEARCH_URL not set)', () => it('needs an engine', () => {}));
}

import { describeWithEngines } from '../testing/engines/index.ts';
import { testSearchPort } from '../testing/search-contract.ts';
import { OpenSearchSearch, createOpenSearchClient } from './opensearch-search.ts';

describeWithEngines(['opensearch'], 'OpenSearch search', ({ opensearch }) => {
  testSearchPort('OpenSearch', async () => {
    const prefix = `test-pocs-${Date.now().toString(36)}`;
    const client = createOpenSearchClient({ url: opensearch.url });
    return {
      search: new OpenSearchSearch(client, { indexPrefix: prefix }),
      teardown: async () => {
        await client.request('DELETE', `/${prefix}-*`);
      },
    };
  });
});

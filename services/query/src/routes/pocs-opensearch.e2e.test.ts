import { OpenSearchSearch, createOpenSearchClient } from '@poc/platform';
import { describeWithEngines } from '@poc/platform/testing';
import { testReadYourWrites } from '../testing/read-your-writes.ts';

describeWithEngines(['opensearch'], 'query on OpenSearch', ({ opensearch }) => {
  testReadYourWrites('OpenSearch search', async () =>
    new OpenSearchSearch(createOpenSearchClient({ url: opensearch.url }), { indexPrefix: `test-query-${Date.now().toString(36)}` }),
  );
});

/** Error codes of the query service (never reused). */
export const QUERY_ERR = {
  POC_NOT_FOUND: 'QUERY_ERR_POC_NOT_FOUND',
  CONSISTENCY_TOKEN: 'QUERY_ERR_CONSISTENCY_TOKEN',
} as const;

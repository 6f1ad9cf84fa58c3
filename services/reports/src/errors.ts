/** Error codes of the reports service (never reused). */
export const REPORTS_ERR = {
  PERIOD: 'REPORTS_ERR_PERIOD',
  REBUILD_NOT_FOUND: 'REPORTS_ERR_REBUILD_NOT_FOUND',
  TENANT_NOT_FOUND: 'REPORTS_ERR_TENANT_NOT_FOUND',
} as const;

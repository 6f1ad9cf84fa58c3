/** Every process `pnpm start` runs, and the port each listens on locally. */
export const SERVICES = [
  { name: 'identity', port: 8081, entry: 'services/identity/src/server.ts' },
  { name: 'pocs', port: 8082, entry: 'services/pocs/src/server.ts' },
  { name: 'query', port: 8083, entry: 'services/query/src/server.ts' },
  { name: 'dojo', port: 8084, entry: 'services/dojo/src/server.ts' },
  { name: 'reports', port: 8085, entry: 'services/reports/src/server.ts' },
  { name: 'video', port: 8086, entry: 'services/video/src/server.ts' },
  { name: 'projections', port: 8087, entry: 'projections/src/server.ts' },
  { name: 'edge', port: 8080, entry: 'services/edge/src/server.ts' },
] as const;

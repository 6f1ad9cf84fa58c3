import { type Static, Type } from '@sinclair/typebox';
import { commonEnv, loadEnv } from '@poc/platform';

const Upstream = (port: number) => Type.String({ pattern: '^https?://[^\\s/]+$', default: `http://127.0.0.1:${port}`, description: 'http(s)://host:port' });

/** The edge's configuration: where each service listens. */
export const Env = Type.Object({
  ...commonEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  IDENTITY_URL: Upstream(8081),
  POCS_URL: Upstream(8082),
  QUERY_URL: Upstream(8083),
  DOJO_URL: Upstream(8084),
  REPORTS_URL: Upstream(8085),
  VIDEO_URL: Upstream(8086),
});
export type Env = Static<typeof Env>;

export const loadServiceEnv = (source: Record<string, string | undefined> = process.env): Env => loadEnv(Env, source);

/**
 * Vitest global setup that provides real engines to e2e suites, once per run.
 * Reference it from a project's vitest config and say which engines it needs:
 *
 * @example
 * // services/query/vitest.config.ts
 * export default defineProject({
 *   test: {
 *     name: 'query',
 *     globalSetup: ['../platform/src/testing/engines/global-setup.ts'],
 *     provide: { pocEngineNames: ['opensearch'] },
 *   },
 * });
 * // in a test: const os = requireEngine('opensearch'); new Client({ node: os.url })
 *
 * Each engine comes from, in order: its environment variable (DATABASE_URL,
 * KAFKA_BROKERS, OPENSEARCH_URL, S3_ENDPOINT, REDIS_URL); testcontainers when
 * a Docker engine answers; else a local runtime (Kafka, OpenSearch and S3Mock
 * fetched from Maven Central; the PostgreSQL and Redis running here). With
 * CI=true a missing engine fails the run; otherwise its suites are skipped
 * with a notice. `POC_ENGINES=off` provides none (every e2e suite skips).
 */
import type { TestProject } from 'vitest/node';
import { acquireEngines, releaseEngines } from './supervisor.ts';
import { ENGINE_NAMES, type EngineName, describeEngine } from './types.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = project.getProvidedContext().pocEngineNames ?? [...ENGINE_NAMES];
  const off = process.env.POC_ENGINES === 'off';
  const names: EngineName[] = off ? [] : wanted;
  const required = process.env.CI === 'true' || process.env.CI === '1';
  const engines = await acquireEngines(names, { required });
  project.provide('pocEngines', off ? Object.fromEntries(wanted.map((n) => [n, { name: n, available: false, reason: 'POC_ENGINES=off' }])) : engines);
  const lines = Object.values(engines).map((info) => `  ${describeEngine(info)}`);
  if (lines.length > 0) console.log(`\nEngines for project ${project.name}:\n${lines.join('\n')}\n`);
  if (off) console.log(`\nEngines for project ${project.name}: none (POC_ENGINES=off); e2e suites are skipped.\n`);
  return () => releaseEngines(names);
}

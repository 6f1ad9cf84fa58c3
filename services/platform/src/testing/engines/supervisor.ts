import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provideKafka } from './kafka.ts';
import { provideOpenSearch } from './opensearch.ts';
import { providePostgres } from './postgres.ts';
import { provideRedis } from './redis.ts';
import type { RunContext } from './run-context.ts';
import { provideS3 } from './s3.ts';
import { type EngineHandle, type EngineInfo, type EngineName, type ProvidedEngines, describeEngine } from './types.ts';

const PROVIDERS: Record<EngineName, (run: RunContext) => Promise<EngineHandle>> = {
  postgres: providePostgres,
  kafka: provideKafka,
  opensearch: provideOpenSearch,
  s3: provideS3,
  redis: provideRedis,
};

/** Environment variable that points each engine at an existing server. */
export const ENGINE_ENV: Record<EngineName, string> = {
  postgres: 'DATABASE_URL',
  kafka: 'KAFKA_BROKERS',
  opensearch: 'OPENSEARCH_URL',
  s3: 'S3_ENDPOINT',
  redis: 'REDIS_URL',
};

interface Slot {
  readonly promise: Promise<{ info: EngineInfo; handle: EngineHandle | null }>;
  refs: number;
}

interface Registry {
  readonly slots: Map<EngineName, Slot>;
  dataRoot: Promise<string> | null;
}

/**
 * One registry per vitest process, shared by every project whose config uses
 * the engines' global setup, so a workspace run starts each engine once.
 * (A global is the point here: projects' global setups share nothing else.)
 */
function registry(): Registry {
  const key = Symbol.for('poc-tracker.test-engines');
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (holder[key] ??= { slots: new Map(), dataRoot: null });
}

export interface StartOptions {
  /** CI: an engine that cannot be provided fails the run. */
  readonly required: boolean;
  readonly log?: (line: string) => void;
}

/** Start (or find) the engines, each once per process, all at the same time. */
export async function acquireEngines(names: readonly EngineName[], options: StartOptions): Promise<ProvidedEngines> {
  const reg = registry();
  const log = options.log ?? ((line: string) => console.log(`[engines] ${line}`));
  reg.dataRoot ??= mkdtemp(join(tmpdir(), 'poc-engines-'));
  const dataRoot = await reg.dataRoot;
  const run: RunContext = { dataRoot, log };
  const entries = await Promise.all(
    names.map(async (name) => {
      let slot = reg.slots.get(name);
      if (!slot) {
        const started = Date.now();
        const promise = PROVIDERS[name](run).then(
          (handle) => {
            log(`${describeEngine(handle.info)} ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
            return { info: handle.info as EngineInfo, handle };
          },
          (error: unknown) => ({
            info: { name, available: false, reason: process.env[ENGINE_ENV[name]]
              ? `${(error as Error).message} (from ${ENGINE_ENV[name]})`
              : `${(error as Error).message} (set ${ENGINE_ENV[name]} to use a running one)` } as EngineInfo,
            handle: null,
          }),
        );
        slot = { promise, refs: 0 };
        reg.slots.set(name, slot);
      }
      slot.refs += 1;
      return [name, (await slot.promise).info] as const;
    }),
  );
  const provided = Object.fromEntries(entries) as ProvidedEngines;
  const missing = entries.filter(([, info]) => !info.available);
  if (missing.length > 0 && options.required) {
    await releaseEngines(names);
    throw new Error(
      `CI needs every engine, and these could not be provided:\n${missing.map(([, info]) => `  - ${describeEngine(info)}`).join('\n')}`,
    );
  }
  return provided;
}

/** Let go of engines; the last user stops each one, and the data root goes with the last engine. */
export async function releaseEngines(names: readonly EngineName[]): Promise<void> {
  const reg = registry();
  await Promise.all(
    names.map(async (name) => {
      const slot = reg.slots.get(name);
      if (!slot) return;
      slot.refs -= 1;
      if (slot.refs > 0) return;
      reg.slots.delete(name);
      const { handle } = await slot.promise;
      await handle?.stop().catch((error: unknown) => console.error(`[engines] stopping ${name} failed:`, error));
    }),
  );
  if (reg.slots.size === 0 && reg.dataRoot) {
    const root = await reg.dataRoot;
    reg.dataRoot = null;
    await rm(root, { recursive: true, force: true });
  }
}

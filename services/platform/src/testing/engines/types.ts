/** The engines the e2e suites can ask for. */
export type EngineName = 'postgres' | 'kafka' | 'opensearch' | 's3' | 'redis';
export const ENGINE_NAMES: readonly EngineName[] = ['postgres', 'kafka', 'opensearch', 's3', 'redis'];

/** Where an engine came from, in the order they are tried. */
export type EngineSource = 'environment' | 'testcontainers' | 'local service' | 'local runtime';

export interface AvailableEngine {
  readonly name: EngineName;
  readonly available: true;
  /** Connection string: a URL, or `host:port,...` for Kafka brokers. */
  readonly url: string;
  /** e.g. `Apache Kafka 3.9.1`. */
  readonly product: string;
  readonly version: string;
  readonly source: EngineSource;
  /** For S3: the bucket the tests may use. */
  readonly bucket?: string;
}

export interface UnavailableEngine {
  readonly name: EngineName;
  readonly available: false;
  readonly reason: string;
}

export type EngineInfo = AvailableEngine | UnavailableEngine;
export type ProvidedEngines = Partial<Record<EngineName, EngineInfo>>;

/** A started (or found) engine and how to let it go. */
export interface EngineHandle {
  readonly info: AvailableEngine;
  stop(): Promise<void>;
}

export function describeEngine(info: EngineInfo): string {
  return info.available ? `${info.product} ${info.version} (${info.source}, ${info.url})` : `${info.name}: unavailable (${info.reason})`;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Engines the global setup provided to this run (see `engines/global-setup.ts`). */
    pocEngines: ProvidedEngines;
    /** Which engines a project wants; set in its vitest config's `provide`. Default: all. */
    pocEngineNames: EngineName[];
  }
}

export type { EngineHandle } from './types.ts';

/** What an engine provider may use during one test run. */
export interface RunContext {
  /** A directory for local runtimes' data, deleted after the run. */
  readonly dataRoot: string;
  log(line: string): void;
}

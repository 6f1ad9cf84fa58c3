import { describe, inject, it } from 'vitest';
import { type AvailableEngine, type EngineInfo, type EngineName, describeEngine } from './types.ts';

export * from './types.ts';
export { startStoppableKafka, type StoppableKafka } from './kafka.ts';
export { TEST_BUCKET } from './s3.ts';

/** What the global setup provided for `name` (unavailable when the project's setup did not ask for it). */
export function engineInfo(name: EngineName): EngineInfo {
  const provided = inject('pocEngines') ?? {};
  return provided[name] ?? { name, available: false, reason: 'not provided: add engines/global-setup.ts and this engine to the project config' };
}

/** The engine, or a thrown error naming why it is missing. */
export function requireEngine(name: EngineName): AvailableEngine {
  const info = engineInfo(name);
  if (!info.available) throw new Error(describeEngine(info));
  return info;
}

/**
 * `describe` when every named engine is available; otherwise a skipped
 * `describe` whose one test says which engine is missing and why, and a
 * notice on stderr, so a skip is never silent. (In CI the global setup has
 * already failed the run.) The body gets the engines, and the title names
 * each engine and its version.
 */
export function describeWithEngines<N extends EngineName>(
  names: readonly N[],
  title: string,
  body: (engines: Record<N, AvailableEngine>) => void,
): void {
  const infos = names.map((n) => engineInfo(n));
  const missing = infos.filter((i) => !i.available);
  if (missing.length > 0) {
    const why = missing.map((i) => describeEngine(i)).join('; ');
    console.warn(`NOTICE: e2e suite "${title}" skipped: ${why}`);
    describe.skip(`${title} [skipped]`, () => {
      it(`needs ${why}`, () => {});
    });
    return;
  }
  const engines = Object.fromEntries(infos.map((i) => [i.name, i])) as Record<N, AvailableEngine>;
  const on = infos.map((i) => (i.available ? `${i.product} ${i.version}, ${i.source}` : '')).join(' + ');
  describe(`${title} [${on}]`, () => body(engines));
}

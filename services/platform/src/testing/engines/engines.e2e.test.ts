import { expect, it } from 'vitest';
import { ENGINE_NAMES, describeEngine } from './types.ts';
import { engineInfo } from './index.ts';

// One line per engine in the test output: which engine, which version, where it came from.
for (const name of ENGINE_NAMES) {
  const info = engineInfo(name);
  it.skipIf(!info.available)(`engine ${describeEngine(info)}`, () => {
    expect(info.available && info.version).not.toBe('unknown');
  });
}

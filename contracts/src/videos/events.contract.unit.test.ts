import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envelopeSchemaErrors } from '../testing/index.ts';
import { videoEvents } from './events.ts';

// The consumer side of the video event contract: every stored fixture is valid
// by the published JSON Schema of its version and by the registry.
const dir = resolve(import.meta.dirname, '..', '..', 'fixtures', 'events', 'videos');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, event: JSON.parse(readFileSync(join(dir, file), 'utf8')) as { type: string; schemaVersion: number; data: unknown } }));

describe('video event contract', () => {
  it('has a stored fixture for every type at every schema version', () => {
    for (const d of videoEvents.definitions) {
      for (let v = 1; v <= d.latestVersion; v++) expect(fixtures.some((f) => f.event.type === d.type && f.event.schemaVersion === v), `${d.type} v${v}`).toBe(true);
    }
  });

  it.each(fixtures.map((f) => [f.file, f.event] as const))('%s is valid by its published JSON Schema and by the registry', (_file, event) => {
    expect(envelopeSchemaErrors(event)).toEqual([]);
    expect(() => videoEvents.upcast(event)).not.toThrow();
  });

  it('given a video.failed without a reason, then the published schema refuses it', () => {
    const failed = fixtures.find((f) => f.event.type === 'video.failed')!.event;
    const { reason: _reason, ...data } = failed.data as Record<string, unknown>;
    expect(envelopeSchemaErrors({ ...failed, data })).not.toEqual([]);
  });
});

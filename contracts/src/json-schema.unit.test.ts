import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemaFiles } from './json-schema.ts';
import { pocEvents } from './pocs/events.ts';
import { checkedInSchemaPaths } from './testing/index.ts';

const dir = resolve(import.meta.dirname, '..', 'schemas');

describe('the exported JSON Schema', () => {
  it('given the TypeBox source, then the checked-in schemas/ files are exactly what it exports (run `pnpm --filter @poc/contracts schemas`)', () => {
    const files = jsonSchemaFiles();
    expect(checkedInSchemaPaths()).toEqual(Object.keys(files).sort());
    for (const [path, content] of Object.entries(files)) {
      expect(readFileSync(join(dir, path), 'utf8'), `schemas/${path} is stale`).toBe(content);
    }
  });

  it('has one envelope schema per event type and schema version, with type and version fixed', () => {
    const files = jsonSchemaFiles();
    for (const definition of pocEvents.definitions) {
      for (let version = 1; version <= definition.latestVersion; version++) {
        const schema = JSON.parse(files[`events/${definition.type}.v${version}.json`] ?? 'null');
        expect(schema?.properties?.type?.const).toBe(definition.type);
        expect(schema?.properties?.schemaVersion?.const).toBe(version);
      }
    }
  });
});

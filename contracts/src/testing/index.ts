import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Contract-test helpers for producers and consumers of the contracts, built
 * on what a consumer outside TypeScript gets: the checked-in JSON Schema files
 * and the checked-in event fixtures (stored events as producers wrote them).
 */

const root = resolve(import.meta.dirname, '..', '..');

/** A stored event fixture of `contracts/fixtures/events/`, by file name. */
export interface EventFixture {
  readonly file: string;
  readonly event: { type: string; schemaVersion: number; data: unknown; aggregateId: string; aggregateVersion: number; occurredAt: string; actor: string } & Record<string, unknown>;
}

export function eventFixtures(): EventFixture[] {
  const dir = join(root, 'fixtures', 'events');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, event: JSON.parse(readFileSync(join(dir, file), 'utf8')) as EventFixture['event'] }));
}

/** The checked-in JSON Schema file at `contracts/schemas/<path>`. */
export function checkedInSchema(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(root, 'schemas', path), 'utf8')) as Record<string, unknown>;
}

/** The paths of every checked-in JSON Schema file, relative to `contracts/schemas/`. */
export function checkedInSchemaPaths(): string[] {
  const base = join(root, 'schemas');
  const walk = (dir: string, prefix: string): string[] =>
    readdirSync(join(base, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    );
  return walk('.', '').sort();
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(path: string): ValidateFunction | null {
  let validate = validators.get(path);
  if (!validate) {
    let schema: Record<string, unknown>;
    try {
      schema = checkedInSchema(path);
    } catch {
      return null;
    }
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    validate = ajv.compile(schema);
    validators.set(path, validate);
  }
  return validate;
}

/**
 * Validate a value against a checked-in JSON Schema file (`problem.json`,
 * `http/PocWriteResponse.json`, ...) with a plain JSON Schema validator, as a
 * client in another language would. Returns the problems (empty when valid).
 *
 * @example
 * expect(schemaErrors('problem.json', res.json())).toEqual([]);
 */
export function schemaErrors(path: string, value: unknown): string[] {
  const validate = validatorFor(path);
  if (!validate) return [`no checked-in schema ${path}`];
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/**
 * Validate an event envelope against the checked-in JSON Schema of its type
 * and version (`schemas/events/<type>.v<version>.json`), with a plain JSON
 * Schema validator (Ajv), as a consumer in another language would.
 * Returns the problems (empty when valid).
 */
export function envelopeSchemaErrors(event: { type: string; schemaVersion: number; data?: unknown }): string[] {
  return schemaErrors(`events/${event.type}.v${event.schemaVersion}.json`, event);
}

import './formats.ts';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { RawEvent } from './envelope.ts';

/** Turns the data of version n into the data of version n + 1. Pure; sees the whole stored event for context. */
export type Upcaster<From, To> = (data: From, event: RawEvent) => To;

/**
 * Every schema version of one event type, and the upcasters between them.
 * Built from version 1 upwards; the typed `next` makes each upcaster's input
 * the previous version's data.
 *
 * @example
 * const PocCreated = defineEvent('poc.created', PocCreatedV1)
 *   .next(PocCreatedV2, (v1) => ({ ...v1, languages: v1.language ? [v1.language] : [] }));
 * PocCreated.latestVersion; // 2
 */
export class EventDefinition<TType extends string = string, TLatest extends TSchema = TSchema> {
  private readonly checks: TypeCheck<TSchema>[];

  private constructor(
    readonly type: TType,
    /** `schemas[i]` is the schema of version `i + 1`. */
    readonly schemas: readonly TSchema[],
    private readonly upcasters: readonly Upcaster<unknown, unknown>[],
  ) {
    this.checks = schemas.map((schema) => TypeCompiler.Compile(schema));
  }

  static create<TType extends string, TFirst extends TSchema>(type: TType, first: TFirst): EventDefinition<TType, TFirst> {
    return new EventDefinition(type, [first], []);
  }

  /** Add the next schema version and the upcaster from the current latest to it. */
  next<TNext extends TSchema>(schema: TNext, upcast: Upcaster<Static<TLatest>, Static<TNext>>): EventDefinition<TType, TNext> {
    return new EventDefinition<TType, TNext>(this.type, [...this.schemas, schema], [
      ...this.upcasters,
      upcast as Upcaster<unknown, unknown>,
    ]);
  }

  get latestVersion(): number {
    return this.schemas.length;
  }

  get latestSchema(): TLatest {
    return this.schemas[this.schemas.length - 1] as TLatest;
  }

  schemaOf(version: number): TSchema | undefined {
    return this.schemas[version - 1];
  }

  /** The validation errors of `data` against `version`'s schema (empty when valid). */
  errors(version: number, data: unknown): string[] {
    const check = this.checks[version - 1];
    if (!check) return [`${this.type} has no schema version ${version}`];
    if (check.Check(data)) return [];
    return [...check.Errors(data)].map((e) => `${e.path || '/'} ${e.message}`);
  }

  /** Validate `event.data` against its version and upcast it to the latest version (validated too). */
  upcast(event: RawEvent): Static<TLatest> {
    const { schemaVersion } = event;
    if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > this.latestVersion) {
      throw new UnsupportedEventVersionError(this.type, schemaVersion, this.latestVersion);
    }
    const invalid = this.errors(schemaVersion, event.data);
    if (invalid.length > 0) throw new InvalidEventError(this.type, schemaVersion, invalid);
    let data = event.data;
    for (let version = schemaVersion; version < this.latestVersion; version++) {
      data = this.upcasters[version - 1]!(data, event);
    }
    if (schemaVersion !== this.latestVersion) {
      const wrong = this.errors(this.latestVersion, data);
      if (wrong.length > 0) throw new InvalidEventError(this.type, this.latestVersion, wrong, 'upcast produced invalid data');
    }
    return data as Static<TLatest>;
  }
}

/** Start an event definition at schema version 1. */
export const defineEvent = EventDefinition.create;

/** An event of a type this consumer does not know. */
export class UnknownEventTypeError extends Error {
  constructor(readonly type: string) {
    super(`unknown event type ${type}`);
    this.name = 'UnknownEventTypeError';
  }
}

/** A schema version newer than this consumer knows (a newer producer wrote it: upgrade the consumer), or not a version. */
export class UnsupportedEventVersionError extends Error {
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
    readonly latestKnown: number,
  ) {
    super(`${type} schema version ${schemaVersion} is not supported (this code knows 1..${latestKnown})`);
    this.name = 'UnsupportedEventVersionError';
  }
}

/** Stored data that does not match the schema of its own version. */
export class InvalidEventError extends Error {
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
    readonly problems: readonly string[],
    reason = 'data does not match its schema',
  ) {
    super(`${type} v${schemaVersion}: ${reason}: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/** The latest-shape event of a definition: `type`, `schemaVersion` and typed `data`. */
export type LatestEvent<D> = D extends EventDefinition<infer T, infer S> ? { readonly type: T; readonly schemaVersion: number; readonly data: Static<S> } : never;

/**
 * The upcaster registry: every event definition of a bounded context, keyed
 * by type. `upcast(stored)` turns any stored version into the latest shape, so
 * an event written years ago folds through today's `evolve`.
 *
 * @example
 * const event = pocEvents.upcast(stored); // poc.created v1 → v2
 */
export class EventRegistry<TDefs extends EventDefinition<string, TSchema>> {
  private readonly byType: ReadonlyMap<string, TDefs>;

  constructor(definitions: readonly TDefs[]) {
    const byType = new Map<string, TDefs>();
    for (const definition of definitions) {
      if (byType.has(definition.type)) throw new Error(`event type ${definition.type} is defined twice`);
      byType.set(definition.type, definition);
    }
    this.byType = byType;
  }

  get definitions(): readonly TDefs[] {
    return [...this.byType.values()];
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  definition(type: string): TDefs {
    const definition = this.byType.get(type);
    if (!definition) throw new UnknownEventTypeError(type);
    return definition;
  }

  latestVersion(type: string): number {
    return this.definition(type).latestVersion;
  }

  /**
   * The event with its data validated and upcast to the latest schema version
   * (and `schemaVersion` set to it); every other field is kept as stored.
   * Throws `UnknownEventTypeError`, `UnsupportedEventVersionError` or `InvalidEventError`.
   */
  upcast<E extends RawEvent>(event: E): Omit<E, 'type' | 'schemaVersion' | 'data'> & LatestEvent<TDefs> {
    const definition = this.definition(event.type);
    const data = definition.upcast(event);
    return { ...event, schemaVersion: definition.latestVersion, data } as unknown as Omit<E, 'type' | 'schemaVersion' | 'data'> & LatestEvent<TDefs>;
  }
}

/**
 * @poc/contracts: the language every part of POC Tracker shares.
 *
 * - the event envelope and the upcaster mechanism (`EventDefinition`, `EventRegistry`)
 * - the POC events (`pocEvents`, `PocEvent`), their meaning (`evolvePoc`) and normalisation rules
 * - the video events (`videoEvents`, `VideoEvent`) and the video HTTP schemas
 * - the HTTP schemas of the POC routes, the problem+json format, the Consistency-Token
 * - all of it as JSON Schema (`jsonSchemaFiles`, checked in under `schemas/`)
 */
import './formats.ts';

export * from './envelope.ts';
export * from './upcasting.ts';
export * from './problem.ts';
export * from './consistency-token.ts';
export * from './refs.ts';
export * from './json-schema.ts';
export * from './pocs/fields.ts';
export * from './pocs/normalise.ts';
export * from './pocs/events.ts';
export * from './pocs/http.ts';
export * from './pocs/state.ts';
export * from './pocs/search.ts';
export * from './reports/index.ts';
export * from './videos/index.ts';

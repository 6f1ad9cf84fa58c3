export * from './runtime/projection.ts';
export * from './runtime/projector.ts';
export * from './runtime/store.ts';
export * from './pocs/read-model.ts';
export * from './pocs/projection.ts';
export * from './analytics/tables.ts';
export * from './analytics/projection.ts';

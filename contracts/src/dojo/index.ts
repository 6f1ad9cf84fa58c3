export * from './close-codes.ts';
export * from './messages.ts';
export * from './events.ts';
export * from './api.ts';

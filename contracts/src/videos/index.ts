export * from './events.ts';
export * from './http.ts';

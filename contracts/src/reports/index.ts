export * from './http.ts';
export * from './analytics.ts';

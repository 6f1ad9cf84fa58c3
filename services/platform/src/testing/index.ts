export * from './database.ts';
export * from './event-store-contract.ts';
export * from './event-bus-contract.ts';
export * from './tokens.ts';
export * from './isolation.ts';
export * from './blob-store-contract.ts';
export * from './cache-contract.ts';
export * from './engines/index.ts';

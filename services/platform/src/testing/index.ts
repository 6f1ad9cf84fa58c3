export * from './database.ts';
export * from './event-store-contract.ts';
export * from './event-bus-contract.ts';
export * from './tokens.ts';
export * from './isolation.ts';

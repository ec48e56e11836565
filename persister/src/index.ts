// The persister's building blocks, for tests and the benchmark; the service itself runs dist/main.js.
export * from './batch-consumer';
export * from './batch-processor';
export * from './config';
export * from './dead-letter-publisher';
export * from './message-store';
export * from './metrics';
export * from './record-decoder';
export * from './retry';
export * from './topics';

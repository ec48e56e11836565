// The assistant's building blocks, for tests; the worker itself runs dist/main.js.
export * from './bot-identity';
export * from './config';
export * from './gateway-client';
export * from './metrics';
export * from './model-client';
export * from './prompt';
export * from './prompt-guard';
export * from './reply-stream';
export * from './responder';
export * from './room-context';

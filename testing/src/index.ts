export * from './services';
export * from './isolation';
export * from './system';
export * from './client';
export * from './tcp-proxy';
export * from './metrics';

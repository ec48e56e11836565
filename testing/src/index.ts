export * from './services';
export * from './isolation';
export * from './system';
export * from './client';
export * from './tcp-proxy';
export * from './metrics';
export * from './own-services';
export * from './chat-traffic';

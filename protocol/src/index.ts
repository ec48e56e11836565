export * from './errors';
export * from './limits';
export * from './models';
export * from './schemas';
export * from './events';
export * from './kafka';
export * from './text';
export * from './emoji';

// The service kit: what the gateway, the persister and the assistant share, so that they fail, log,
// configure, answer probes and stop alike.
export * from './app-error';
export * from './config';
export * from './dependency-errors';
export * from './group-membership';
export * from './kafka-idle-timer';
export * from './kafka-log';
export * from './kafka-security';
export * from './logger';
export * from './probe-server';
export * from './probe-settings';
export * from './readiness';
export * from './shutdown';

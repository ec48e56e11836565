// What other workspaces use of the gateway: its config schema (the ConfigMap tests) and its token
// service (the benchmark mints tokens with it).
export { DEV_JWT_SECRET, gatewayEnvironment, loadConfig, parseConfig, type GatewayConfig } from './config';
export { createTokenService, type TokenService } from './auth/tokens';
export { HTTP_STATUS } from './http/http-status';
export { createFrameBatcher, type EngineWriter, type FrameBatcher } from './realtime/frame-batching';

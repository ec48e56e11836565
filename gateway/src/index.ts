export { loadConfig, DEV_JWT_SECRET, type GatewayConfig } from './config';
export { createTokenService, type TokenService } from './auth/tokens';
export { AppError, HTTP_STATUS, toAppError } from './errors';

export { loadConfig, type GatewayConfig } from './config';
export { AppError, HTTP_STATUS, toAppError } from './errors';

export { gatewayEnvironment, loadConfig, parseConfig, type GatewayConfig } from './config';
export { HTTP_STATUS } from './http/http-status';

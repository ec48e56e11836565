import type { FeaturesResponse } from '@chat/protocol';
import { AppError, type Logger, PROBE_PATHS, probeHandler, type Readiness, toAppError } from '@chat/service-kit';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { TokenService } from '../auth/tokens';
import type { GatewayConfig } from '../config';
import type { Metrics } from '../metrics';
import type { UserRepository } from '../store/users';
import type { FileLifecycle } from '../files/file-lifecycle';
import { activityRoutes } from './activity-routes';
import { type AttentionRouteDeps, attentionRoutes } from './attention-routes';
import { type AvatarRouteDeps, avatarRoutes } from './avatar-routes';
import { type AuthRouteDeps, authRoutes } from './auth-routes';
import { invitationRoutes } from './invitation-routes';
import { refreshRoute, sessionRoutes } from './session-routes';
import { type InviteLinkRouteDeps, inviteLinkRoutes, invitePreviewRoute } from './invite-link-routes';
import { deleteAccount } from '../rooms/account-deletion';
import { type ProfileRouteDeps, profileRoutes } from './profile-routes';
import { type RoomAdminRouteDeps, roomAdminRoutes } from './room-admin-routes';
import { authenticate, authenticatedUser } from './authenticate';
import { type FileRouteDeps, fileRoutes } from './file-routes';
import { HTTP_STATUS } from './http-status';
import { type RoomRouteDeps, roomRoutes } from './room-routes';

export interface AppDeps extends AuthRouteDeps, RoomRouteDeps, RoomAdminRouteDeps, InviteLinkRouteDeps, ProfileRouteDeps, FileRouteDeps, AttentionRouteDeps, AvatarRouteDeps {
  fileLifecycle: FileLifecycle;
  config: GatewayConfig;
  tokens: TokenService;
  users: UserRepository;
  readiness: Readiness;
  metrics: Metrics;
  log: Logger;
}

/** Chat payloads are small; anything bigger is refused before it is parsed. */
const BODY_LIMIT = '16kb';

/** The REST API, health endpoints and metrics of one gateway. */
export function createApp(deps: AppDeps): express.Express {
  const { config, metrics, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.set('json escape', true); // <, > and & as \u escapes: JSON that is never HTML
  app.use(helmet());
  app.use(tagGateway(config.GATEWAY_ID));
  app.use(timeRequests(metrics));
  app.use('/api', cors(config.CORS_ORIGIN));

  const probes = probeHandler({ readiness: deps.readiness, registry: metrics.registry, log });
  for (const path of Object.values(PROBE_PATHS)) app.get(path, (req, res) => void probes(req, res));

  app.use('/api', express.json({ limit: BODY_LIMIT, strict: true }));
  app.use('/api/auth', authRoutes(deps));
  app.use('/api/auth', refreshRoute(deps));
  // Public: the web app asks before anyone logs in, to show only the features this deployment runs.
  const features: FeaturesResponse = { assistant: config.ASSISTANT_NAME ? { name: config.ASSISTANT_NAME } : null };
  app.get('/api/features', (_req, res) => void res.json(features));
  // Public too: a logged-out visitor with an invite link sees where it leads (rate-limited per address).
  app.get('/api/invites/:code', invitePreviewRoute(deps));
  app.use('/api', authenticate(deps.tokens, deps.users, deps.sessions));
  app.use('/api', sessionRoutes(deps));
  app.get('/api/me', (req, res) => void res.json({ user: authenticatedUser(req) }));
  app.delete('/api/me', async (req, res) => {
    await deleteAccount(deps, authenticatedUser(req).id);
    res.status(204).end();
  });
  app.use('/api', roomAdminRoutes(deps));
  app.use('/api', roomRoutes(deps));
  app.use('/api', activityRoutes(deps));
  app.use('/api', invitationRoutes(deps));
  app.use('/api', fileRoutes(deps));
  app.use('/api', attentionRoutes(deps));
  app.use('/api', inviteLinkRoutes(deps));
  app.use('/api', avatarRoutes(deps));
  app.use('/api', profileRoutes(deps));
  app.use('/api', () => {
    throw new AppError('NOT_FOUND', 'no such API route');
  });
  app.use(errorHandler(log, metrics));
  return app;
}

const tagGateway = (id: string): RequestHandler => (_req, res, next) => {
  res.setHeader('x-gateway-id', id);
  next();
};

const timeRequests = (metrics: Metrics): RequestHandler => (req, res, next) => {
  const stop = metrics.httpRequests.startTimer({ method: req.method });
  res.on('finish', () => stop({ route: (req.route?.path as string | undefined) ?? (req.baseUrl || 'unmatched'), status: String(res.statusCode) }));
  next();
};

/** CORS for the one configured origin (the web app's); other origins get no CORS headers. */
function cors(origin: string): RequestHandler {
  return (req, res, next) => {
    if (req.headers.origin === origin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
        return void res.status(204).end();
      }
    }
    next();
  };
}

/** Body-parser failures as the catalogue's codes (their `type` names the problem). */
function fromBodyParser(error: unknown): AppError | undefined {
  const type = (error as { type?: string })?.type;
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', `request body is over ${BODY_LIMIT}`);
  if (type === 'entity.parse.failed') return new AppError('VALIDATION', 'request body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return new AppError('VALIDATION', 'request body must be UTF-8 JSON');
  if (type === 'request.aborted' || type === 'request.size.invalid') return new AppError('VALIDATION', 'request body was incomplete');
  return undefined;
}

/** Every error becomes `{error: {code, message}}` with its status; details stay in the log. */
function errorHandler(log: Logger, metrics: Metrics): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = fromBodyParser(error) ?? toAppError(error);
    metrics.errors.inc({ code: appError.code });
    if (appError.code === 'INTERNAL') log.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (appError.retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.ceil(appError.retryAfterMs / 1000)));
    if (res.headersSent) return void res.end();
    res.status(HTTP_STATUS[appError.code]).json({ error: appError.toBody() });
  };
}

// Wires the gateway together: configuration, clients, the HTTP and Socket.IO servers, and shutdown.
import http from 'node:http';
import { createPgPool, createPrisma } from '@chat/db';
import { createLogger, createReadiness, kafkaConnectionSecurity, kafkaLogCreator, listen, moduleLogger, onShutdown, runService } from '@chat/service-kit';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { roomChannel } from '@chat/protocol';
import { createAttentionStore } from './attention/attention-store';
import { createMentionResolver } from './attention/mentions';
import { createMessageSearch } from './attention/search';
import { createRecentMarkers } from './attention/recent-markers';
import { announcingJoins, createAccessCache, forgettingLeavers } from './auth/access-cache';
import { createTokenService } from './auth/tokens';
import { loadConfig } from './config';
import { createAvatarService } from './files/avatar-service';
import { createFileLifecycle } from './files/file-lifecycle';
import { createFileService } from './files/file-service';
import { createMultipartUploads } from './files/multipart-uploads';
import { objectStoreFromConfig } from './files/object-store';
import { createApp } from './http/app';
import { createKafkaMessageBus, ensureTopic } from './message-bus';
import { createMetrics } from './metrics';
import { relayAttachmentUpdates } from './realtime/attachment-updates';
import { createRoomActivityLog } from './realtime/room-activity-log';
import { createSessionRevocation } from './realtime/session-revocation';
import { createSocketServer } from './realtime/socket-server';
import { socketStreamName } from './realtime/recovery';
import { shardChannel } from './realtime/sharded-fanout';
import { createLiveMessages } from './redis/live-messages';
import { createMessageClaims } from './redis/message-claims';
import { createRateLimiter } from './redis/rate-limiter';
import { createRoomPolicy } from './rooms/room-policy';
import { createRoomSignals } from './rooms/room-signals';
import { createInvitationRepository } from './store/invitations';
import { createInviteLinkRepository } from './store/invite-links';
import { createMemberPages } from './store/member-pages';
import { createAvatarRepository } from './store/avatars';
import { createProfileRepository } from './store/profiles';
import { createRoomActivityRepository } from './store/room-activity';
import { createRoomAdminRepository } from './store/room-admin';
import { createHistoryPage, createMessagesByIds } from './store/history-page-query';
import { createRoomListQuery } from './store/room-list-query';
import { createRoomRepository } from './store/rooms';
import { createSessionAccessQuery } from './store/session-access-query';
import { createSessionRepository } from './store/sessions';
import { createStoredStateLoader } from './store/stored-state';
import { createUploadRepository } from './store/uploads';
import { createUserRepository } from './store/users';

/** How long resends of one clientMsgId are recognized in Redis (the database's unique key covers the rest). */
const DEDUPE_WINDOW_MS = 15 * 60_000;
/**
 * How long a message's live state (what edits, deletions, reactions and replies need) stays in Redis
 * after its last change: far beyond the persister's lag, after which PostgreSQL has every applied change.
 */
const LIVE_MESSAGE_TTL_MS = 30 * 60_000;
/** How long a read marker just set is kept in Redis: far beyond the persister's lag, like live messages. */
const RECENT_MARKER_TTL_MS = 30 * 60_000;
/** Invite-link previews per client address per minute (accepts per user: a third of it). */
const INVITE_LOOKUPS_PER_MINUTE = 60;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, base: { gatewayId: config.GATEWAY_ID } });
  const log = moduleLogger(logger, 'main');
  const metrics = createMetrics(config.GATEWAY_ID);

  // One pool for Prisma and for the hot reads sent through pg directly (store/room-list-query.ts, store/member-page-query.ts).
  const pool = createPgPool({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX, poolIdleMs: config.DATABASE_POOL_IDLE_MS });
  const db = createPrisma({ url: config.DATABASE_URL, pool });
  // Commands fail fast while Redis is away (sends answer UNAVAILABLE) instead of queueing without bound.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 2_000 });
  redis.on('error', (error) => log.warn({ err: error }, 'redis connection error'));
  const kafka = new Kafka({
    clientId: `${config.KAFKA_CLIENT_ID}-${config.GATEWAY_ID}`,
    brokers: [...config.KAFKA_BROKERS],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    ...kafkaConnectionSecurity(config),
  });
  if (config.KAFKA_CREATE_TOPICS) await ensureTopic(kafka, config.KAFKA_MESSAGES_TOPIC, config.KAFKA_MESSAGES_PARTITIONS);

  const store = objectStoreFromConfig(config);
  // Not a readiness check: chat goes on while the store is away (file routes answer UNAVAILABLE meanwhile).
  if (config.S3_CREATE_BUCKET) await store.ensureBucket();

  // Active sessions, users and memberships remembered per gateway (the writes that take access away tell
  // every gateway, through `access:changed`, before they return): most requests then cost no query for them.
  const access = createAccessCache(
    {
      users: createUserRepository(db),
      rooms: createRoomRepository(db),
      sessions: createSessionRepository(db, config.REFRESH_TOKEN_TTL_SECONDS),
      sessionAccess: createSessionAccessQuery(pool),
    },
    moduleLogger(logger, 'access-cache'),
    { ttlMs: config.ACCESS_CACHE_TTL_MS },
  );
  const { users, rooms, sessions } = access;
  const roomAdmin = createRoomAdminRepository(db);
  const invitations = createInvitationRepository(db, rooms);
  const attention = {
    store: createAttentionStore(db),
    markers: createRecentMarkers(redis, { prefix: config.REDIS_KEY_PREFIX, ttlMs: RECENT_MARKER_TTL_MS }),
  };
  // Mutes and archived rooms, cached per gateway for the send path; told of changes by `room:policy`.
  const roomPolicy = createRoomPolicy(db, roomAdmin, moduleLogger(logger, 'room-policy'));
  const tokens = createTokenService(
    {
      user: [config.JWT_SECRET, config.JWT_SECRET_PREVIOUS].filter((k): k is string => Boolean(k)),
      // Without a key of their own, service tokens fall back to JWT_SECRET: still their own issuer and audience.
      service: [config.SERVICE_TOKEN_SECRET ?? config.JWT_SECRET, config.SERVICE_TOKEN_SECRET_PREVIOUS].filter((k): k is string => Boolean(k)),
    },
    config.JWT_TTL_SECONDS,
  );
  const bus = createKafkaMessageBus(kafka, { topic: config.KAFKA_MESSAGES_TOPIC, sendTimeoutMs: config.KAFKA_SEND_TIMEOUT_MS }, metrics, moduleLogger(logger, 'message-bus'));
  const claims = createMessageClaims(redis, {
    prefix: config.REDIS_KEY_PREFIX,
    dedupeWindowMs: DEDUPE_WINDOW_MS,
    rateLimit: config.MESSAGE_RATE_LIMIT,
    rateWindowMs: config.MESSAGE_RATE_WINDOW_MS,
  });
  const live = createLiveMessages(redis, {
    prefix: config.REDIS_KEY_PREFIX,
    ttlMs: LIVE_MESSAGE_TTL_MS,
    loadStored: createStoredStateLoader(db),
    stream: { name: socketStreamName(config.REDIS_KEY_PREFIX), maxLen: config.REDIS_STREAM_MAXLEN },
    ...(config.FANOUT_MODE === 'sharded' ? { roomLog: { channel: (room: string) => shardChannel(config.REDIS_KEY_PREFIX, room), windowMs: config.RECOVERY_WINDOW_MS } } : {}),
  });
  // Edits, deletions and reactions: twice the send budget (reactions are toggled), in the same window.
  const changeLimiter = createRateLimiter(redis, 'change', config.MESSAGE_RATE_LIMIT * 2, config.MESSAGE_RATE_WINDOW_MS, config.REDIS_KEY_PREFIX);
  const uploads = createUploadRepository(db);
  const fileLimits = {
    maxBytes: config.FILE_MAX_BYTES,
    quotaBytes: config.FILE_QUOTA_BYTES,
    uploadUrlTtlSeconds: config.FILE_UPLOAD_URL_TTL_SECONDS,
    downloadUrlTtlSeconds: config.FILE_DOWNLOAD_URL_TTL_SECONDS,
  };
  const files = createFileService({ store, uploads, isMember: (roomId, userId) => rooms.isMember(roomId, userId), limits: fileLimits });
  const multipart = createMultipartUploads({ store, uploads, isMember: (roomId, userId) => rooms.isMember(roomId, userId), limits: fileLimits, partBytes: config.FILE_PART_BYTES });
  const fileLifecycle = createFileLifecycle(store, uploads);
  const readiness = createReadiness([
    { name: 'postgres', check: () => db.$queryRaw`SELECT 1` },
    { name: 'redis', check: () => redis.ping() },
    { name: 'kafka', check: () => bus.connect() },
  ]);

  // Socket.IO attaches to the HTTP server (taking over /socket.io and passing every other request to the
  // server's handler), and the REST routes need its room events: the handler forwards to the app once it exists.
  const handler: { app?: http.RequestListener } = {};
  const server = http.createServer((req, res) => handler.app?.(req, res));
  server.keepAliveTimeout = 65_000; // longer than the proxies' idle timeouts, so they close first
  const { io, roomEvents: liveRoomEvents, handOverSockets, closeAdapter } = createSocketServer(server, {
    config,
    redis,
    tokens,
    users,
    sessions,
    rooms,
    sessionAccess: access.sessionAccess,
    send: { claims, bus, live, changeLimiter, roomPolicy, metrics, log: moduleLogger(logger, 'send'), attachments: files, resolveMentions: createMentionResolver(db) },
    attention,
    metrics,
    log: moduleLogger(logger, 'socket'),
    isDraining: () => readiness.draining,
  });
  roomPolicy.attach(io);
  access.attach(io);
  // Joins drop the joiner's remembered room list on every gateway before the REST call answers.
  const roomEvents = announcingJoins(liveRoomEvents, access);
  const roomSignals = createRoomSignals(io, roomEvents, rooms, roomPolicy, moduleLogger(logger, 'room-signals'), access);
  // Membership and moderation changes on the event log (room.activity), with the outbox's sweep.
  const roomActivity = forgettingLeavers(createRoomActivityRepository(db), access);
  const activityLog = createRoomActivityLog({
    activity: roomActivity,
    bus,
    broadcast: (activity) => io.to(roomChannel(activity.roomId)).emit('room:activity', { activity }),
    log: moduleLogger(logger, 'room-activity'),
  });
  handler.app = createApp({
    config,
    tokens,
    users,
    rooms,
    invitations,
    historyPage: createHistoryPage(pool),
    files,
    multipart,
    fileLifecycle,
    attention,
    roomList: createRoomListQuery(pool, attention.markers),
    search: createMessageSearch(pool, { byIds: createMessagesByIds(pool) }),
    sessions,
    revocation: createSessionRevocation(io),
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    appOrigin: config.CORS_ORIGIN,
    roomEvents,
    roomAdmin,
    roomSignals,
    roomActivity,
    activityLog,
    memberPages: createMemberPages(pool),
    inviteLinks: createInviteLinkRepository(db),
    profiles: createProfileRepository(db),
    avatars: createAvatarService({ store, avatars: createAvatarRepository(db), uploadUrlTtlSeconds: config.FILE_UPLOAD_URL_TTL_SECONDS }),
    // Previews are the one unauthenticated lookup: per address. Accepts: per user.
    invitePreviewLimiter: createRateLimiter(redis, 'invite-preview', INVITE_LOOKUPS_PER_MINUTE, 60_000, config.REDIS_KEY_PREFIX),
    inviteAcceptLimiter: createRateLimiter(redis, 'invite-accept', INVITE_LOOKUPS_PER_MINUTE / 3, 60_000, config.REDIS_KEY_PREFIX),
    webOrigin: config.CORS_ORIGIN,
    readiness,
    metrics,
    log: moduleLogger(logger, 'http'),
    loginUserLimiter: createRateLimiter(redis, 'login-user', config.LOGIN_RATE_LIMIT, config.LOGIN_RATE_WINDOW_MS, config.REDIS_KEY_PREFIX),
    // Many people can share one address (an office, a carrier's NAT): ten times the per-account limit.
    loginAddressLimiter: createRateLimiter(redis, 'login-address', config.LOGIN_RATE_LIMIT * 10, config.LOGIN_RATE_WINDOW_MS, config.REDIS_KEY_PREFIX),
    registerLimiter: createRateLimiter(redis, 'register', config.REGISTER_RATE_LIMIT, config.REGISTER_RATE_WINDOW_MS, config.REDIS_KEY_PREFIX),
    assistantName: config.ASSISTANT_NAME,
  });

  const stopRelay = await relayAttachmentUpdates(io, redis, config.REDIS_KEY_PREFIX, moduleLogger(logger, 'attachments'));
  await bus.connect();
  const stopSweeping = activityLog.startSweeping();
  await listen(server, config.PORT, config.HOST);
  log.info({ port: config.PORT }, 'gateway listening');

  // Closing the transports (not disconnecting the sockets) makes clients reconnect, through the load
  // balancer, to another gateway, where connection state recovery replays what they missed. Each socket
  // saves its recovery session in Redis as its transport finishes closing: wait for that before quitting.
  onShutdown({
    log,
    graceMs: config.SHUTDOWN_GRACE_MS,
    steps: [
      { name: 'drain', run: () => readiness.drain() },
      { name: 'stop accepting', run: () => void server.close() }, // open connections are closed below
      {
        name: 'hand sockets over',
        run: (deadline) => handOverSockets(deadline),
      },
      { name: 'stop the activity sweep', run: () => stopSweeping() },
      { name: 'flush kafka', run: () => bus.close() },
      { name: 'close socket.io', run: () => void io.close() },
      { name: 'disconnect', run: () => Promise.allSettled([db.$disconnect(), redis.quit(), closeAdapter(), stopRelay(), store.close()]) },
    ],
  });
}

runService('gateway', main);

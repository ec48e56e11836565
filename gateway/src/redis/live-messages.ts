import type { Redis } from 'ioredis';
import { type ChatMessage, REACTION_USERS_MAX, type Reaction, roomChannel } from '@chat/protocol';
import { ANNOUNCE_LUA } from './announce-script';
import { roomLogKey } from '../realtime/room-log';

/**
 * The gateway's view of a message while it lives: what authorizing a change and broadcasting the whole
 * message after it needs, without waiting for the persister. One JSON value per message in Redis
 * (`live:msg:<id>`), written once the message is durable in Kafka, changed by one script per applied
 * event, kept for `ttlMs` after its last change; past that it is loaded again from PostgreSQL (which by
 * then holds everything, unless the persister lags by more than the TTL). A thread's reply ids are a
 * set beside it (`live:thread:<id>`), so a reply counted twice (a resend) counts once.
 */
export interface LiveMessage {
  id: string;
  roomId: string;
  senderId: string;
  senderUsername: string;
  body: string;
  clientMsgId: string;
  createdAt: string;
  parentId: string | null;
  editedAt: string | null;
  /** The eventId of the edit that set the body: a change with a smaller one is older and loses. */
  editEventId: string | null;
  deletedAt: string | null;
  lastReplyAt: string | null;
  /** Per `<emoji>\n<userId>`: the newest event for that pair (`e`) and whether it is present (`p`). */
  reactions: Record<string, { e: string; p: 0 | 1 }>;
  /** Grows with every change (see ChatMessage.revision). */
  rev: number;
  /** Who the message mentions (absent in states written before mentions existed). */
  mentions?: string[];
}

/** One change, as the apply script takes it. */
export type LiveChange =
  | { op: 'edit'; eventId: string; body: string; at: string }
  | { op: 'delete'; eventId: string; at: string }
  | { op: 'react'; eventId: string; emoji: string; userId: string; present: boolean }
  | { op: 'reply'; replyId: string; at: string; present: boolean };

/** A message's live state and how many replies its thread has. */
export interface LiveView {
  state: LiveMessage;
  replyCount: number;
  /** False when the change was a no-op (an older edit, a reaction already there). */
  changed: boolean;
  /** The message as the script broadcast it (`message:updated`), when it changed. */
  announced?: ChatMessage;
}

/** What PostgreSQL knows of a message, to seed its live state when Redis has none. */
export interface StoredState {
  state: LiveMessage;
  replyIds: string[];
}

export interface LiveMessages {
  /** Records a message just made durable (revision 0). */
  create(message: ChatMessage): Promise<void>;
  /** The live state, from Redis or else PostgreSQL (then kept in Redis); undefined for an unknown id. */
  load(messageId: string): Promise<LiveView | undefined>;
  /**
   * Applies one durable change and, if it changed the message, broadcasts the whole message to its room
   * in the same script (see announce-script.ts); undefined if the message is unknown everywhere. The
   * script is queued on the connection before this returns: call it in the tick Kafka acknowledged.
   */
  apply(messageId: string, roomId: string, change: LiveChange): Promise<LiveView | undefined>;
}

const APPLY = ANNOUNCE_LUA + `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local m = cjson.decode(raw)
local op, ttl, changed = ARGV[1], ARGV[7], false
local standing = m.deletedAt == cjson.null
if op == 'edit' then
  if standing and (m.editEventId == cjson.null or m.editEventId < ARGV[2]) then
    m.body = ARGV[3]; m.editedAt = ARGV[4]; m.editEventId = ARGV[2]; changed = true
  end
elseif op == 'delete' then
  if standing then m.deletedAt = ARGV[4]; m.body = ''; m.reactions = {}; changed = true end
elseif op == 'react' then
  if standing then
    local cur = m.reactions[ARGV[5]]
    if cur == nil or cur.e < ARGV[2] then
      local was = cur ~= nil and cur.p == 1
      m.reactions[ARGV[5]] = { e = ARGV[2], p = tonumber(ARGV[6]) }
      changed = was ~= (ARGV[6] == '1')
    end
  end
elseif op == 'reply' then
  if ARGV[6] == '1' then
    changed = redis.call('SADD', KEYS[2], ARGV[2]) == 1
    if m.lastReplyAt == cjson.null or m.lastReplyAt < ARGV[4] then m.lastReplyAt = ARGV[4]; changed = true end
  else
    changed = redis.call('SREM', KEYS[2], ARGV[2]) == 1
  end
  redis.call('PEXPIRE', KEYS[2], ttl)
end
local replies = redis.call('SCARD', KEYS[2])
if changed then
  m.rev = m.rev + 1
  raw = cjson.encode(m)
  redis.call('SET', KEYS[1], raw, 'PX', ttl)
  return { raw, replies, 1, announce(m, replies) }
end
redis.call('PEXPIRE', KEYS[1], ttl)
return { raw, replies, 0 }
`;

const SEED = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  for i = 3, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
  if #ARGV >= 3 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
end
return { redis.call('GET', KEYS[1]), redis.call('SCARD', KEYS[2]) }
`;

export interface LiveMessageOptions {
  prefix: string;
  /** How long a message's live state outlives its last change, in ms: longer than the persister's lag. */
  ttlMs: number;
  /** PostgreSQL's state of a message, for one whose live state expired (or predates this gateway). */
  loadStored(messageId: string): Promise<StoredState | undefined>;
  /** The Socket.IO adapter's stream (every gateway reads it) and its MAXLEN: where changes are announced. */
  stream: { name: string; maxLen: number };
  /**
   * Sharded fan-out (FANOUT_MODE=sharded): changes are logged and published per room instead
   * (realtime/room-log.ts): the room's shard channel, and the recovery window its log keeps.
   */
  roomLog?: { channel(room: string): string; windowMs: number };
}

export function createLiveMessages(redis: Redis, o: LiveMessageOptions): LiveMessages {
  const stateKey = (id: string) => `${o.prefix}live:msg:${id}`;
  const threadKey = (id: string) => `${o.prefix}live:thread:${id}`;
  const view = (reply: [string, number, number?, string?] | null): LiveView | undefined =>
    reply?.[0]
      ? { state: JSON.parse(reply[0]) as LiveMessage, replyCount: Number(reply[1]), changed: reply[2] === 1, ...(reply[3] ? { announced: JSON.parse(reply[3]) as ChatMessage } : {}) }
      : undefined;

  const seedFromStore = async (messageId: string): Promise<LiveView | undefined> => {
    const stored = await o.loadStored(messageId);
    if (!stored) return undefined;
    // Revisions carry on above anything a client saw before the state expired: they start at the clock.
    const state = { ...stored.state, rev: Date.now() };
    const reply = (await redis.eval(SEED, 2, stateKey(messageId), threadKey(messageId), JSON.stringify(state), o.ttlMs, ...stored.replyIds)) as [string, number];
    return view(reply);
  };

  const applyOnce = async (messageId: string, roomId: string, c: LiveChange) => {
    const args =
      c.op === 'edit' ? [c.eventId, c.body, c.at, '', ''] :
      c.op === 'delete' ? [c.eventId, '', c.at, '', ''] :
      c.op === 'react' ? [c.eventId, '', '', `${c.emoji}\n${c.userId}`, c.present ? '1' : '0'] :
      [c.replyId, '', c.at, '', c.present ? '1' : '0'];
    const room = roomChannel(roomId);
    const shard = o.roomLog?.channel(room);
    const target = shard ? { key: roomLogKey(shard), cap: Math.max(1_000, o.roomLog!.windowMs) } : { key: o.stream.name, cap: o.stream.maxLen };
    const keys = [stateKey(messageId), threadKey(messageId), target.key];
    return view((await redis.eval(APPLY, keys.length, ...keys, c.op, ...args, o.ttlMs, target.cap, room, shard ?? '')) as [string, number, number, string?] | null);
  };

  return {
    async create(message) {
      const state: LiveMessage = {
        id: message.id,
        roomId: message.roomId,
        senderId: message.sender.id,
        senderUsername: message.sender.username,
        body: message.body,
        clientMsgId: message.clientMsgId,
        createdAt: message.createdAt,
        parentId: message.parentId,
        editedAt: null,
        editEventId: null,
        deletedAt: null,
        lastReplyAt: null,
        reactions: {},
        rev: 0,
        mentions: message.mentions ?? [],
      };
      // NX: a resend of a message already live (and perhaps already changed) keeps what it has.
      await redis.set(stateKey(message.id), JSON.stringify(state), 'PX', o.ttlMs, 'NX');
    },
    async load(messageId) {
      const [[, raw], [, count]] = (await redis.multi().get(stateKey(messageId)).scard(threadKey(messageId)).exec()) as [[null, string | null], [null, number]];
      if (raw) return { state: JSON.parse(raw) as LiveMessage, replyCount: count, changed: false };
      return seedFromStore(messageId);
    },
    async apply(messageId, roomId, change) {
      const applied = await applyOnce(messageId, roomId, change);
      if (applied) return applied;
      // Expired between the check and now: load it again and apply to that.
      if (!(await seedFromStore(messageId))) return undefined;
      return applyOnce(messageId, roomId, change);
    },
  };
}

/** The public message of a live state: reactions grouped by emoji (first added first), userIds capped. */
export function toChatMessage({ state, replyCount }: Pick<LiveView, 'state' | 'replyCount'>): ChatMessage {
  const byEmoji = new Map<string, { first: string; users: { id: string; e: string }[] }>();
  for (const [key, { e, p }] of Object.entries(state.reactions)) {
    if (p !== 1) continue;
    const cut = key.lastIndexOf('\n');
    const emoji = key.slice(0, cut);
    const entry = byEmoji.get(emoji) ?? { first: e, users: [] };
    entry.users.push({ id: key.slice(cut + 1), e });
    if (e < entry.first) entry.first = e;
    byEmoji.set(emoji, entry);
  }
  const reactions: Reaction[] = [...byEmoji.entries()]
    .sort(([, a], [, b]) => (a.first < b.first ? -1 : 1))
    .map(([emoji, { users }]) => ({
      emoji,
      count: users.length,
      userIds: users.sort((a, b) => (a.e < b.e ? -1 : 1)).slice(0, REACTION_USERS_MAX).map((u) => u.id),
    }));
  return {
    id: state.id,
    roomId: state.roomId,
    body: state.body,
    clientMsgId: state.clientMsgId,
    sender: { id: state.senderId, username: state.senderUsername },
    createdAt: state.createdAt,
    parentId: state.parentId,
    editedAt: state.editedAt,
    deletedAt: state.deletedAt,
    replyCount: state.parentId === null ? replyCount : 0,
    lastReplyAt: state.lastReplyAt,
    reactions: state.deletedAt === null ? reactions : [],
    // Lua's cjson turns an empty array into {} when a script rewrites the state: an array it was.
    mentions: Array.isArray(state.mentions) ? state.mentions : [],
    revision: state.rev,
  };
}

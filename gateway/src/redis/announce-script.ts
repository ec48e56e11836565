import { REACTION_USERS_MAX } from '@chat/protocol';
import { ROOM_LOG_LUA } from '../realtime/room-log';

/**
 * Lua shared by the live-state scripts: `announce(m, replies, room)` broadcasts the whole message
 * (`message:updated`) to its room by appending it to the Socket.IO adapter's stream, as the official
 * emitter does (uid `emitter`, plaintext JSON), from inside the script that changed the state.
 *
 * Why in the script: the broadcast needs the state after the change, which only Redis knows when two
 * gateways change one message at once. Awaiting the script's answer and then broadcasting left a gap in
 * which a gateway's shutdown closed Redis: the change was durable and live, a retry found it done, and
 * no member ever saw it. Queued in the tick Kafka acknowledged, the state and its broadcast are one
 * command: both happen or neither. Every gateway's adapter (the origin's too: the uid is not its own)
 * reads the entry and delivers it, with its stream offset for connection state recovery, and the
 * members see a message's changes in the order Redis applied them.
 *
 * `messageJson` builds what `toChatMessage` (live-messages.ts) builds; live-messages.test.ts holds the
 * two equal. Needs KEYS[3] = the stream, ARGV[8] = its MAXLEN, ARGV[9] = the room's Socket.IO room.
 * In sharded fan-out (ARGV[10] = the room's shard channel, not empty) KEYS[3] is the room's log and
 * ARGV[8] the recovery window: the change is logged and published there (realtime/room-log.ts), as the
 * adapter's own broadcasts are, with uid `emitter` too.
 */
export const ANNOUNCE_LUA = ROOM_LOG_LUA + `
local function js(v) if v == nil or v == cjson.null then return 'null' end return cjson.encode(v) end
local function messageJson(m, replies)
  local groups, order = {}, {}
  if m.deletedAt == cjson.null then
    for key, r in pairs(m.reactions) do
      if r.p == 1 then
        local emoji, user = string.match(key, '^(.*)\\n([^\\n]*)$')
        local g = groups[emoji]
        if not g then g = { emoji = emoji, first = r.e, users = {} }; groups[emoji] = g; order[#order + 1] = g end
        if r.e < g.first then g.first = r.e end
        g.users[#g.users + 1] = { id = user, e = r.e }
      end
    end
  end
  -- cjson reads an empty array back as {}: rebuild the list, so an empty one stays [].
  local mentions = {}
  if type(m.mentions) == 'table' then for i, id in ipairs(m.mentions) do mentions[i] = cjson.encode(id) end end
  table.sort(order, function(a, b) return a.first < b.first end)
  local chips = {}
  for i, g in ipairs(order) do
    table.sort(g.users, function(a, b) return a.e < b.e end)
    local ids = {}
    for j = 1, math.min(#g.users, ${REACTION_USERS_MAX}) do ids[j] = cjson.encode(g.users[j].id) end
    chips[i] = '{"emoji":' .. cjson.encode(g.emoji) .. ',"count":' .. #g.users .. ',"userIds":[' .. table.concat(ids, ',') .. ']}'
  end
  return '{"id":' .. js(m.id) .. ',"roomId":' .. js(m.roomId) .. ',"body":' .. js(m.body) .. ',"clientMsgId":' .. js(m.clientMsgId)
    .. ',"sender":{"id":' .. js(m.senderId) .. ',"username":' .. js(m.senderUsername) .. '},"createdAt":' .. js(m.createdAt)
    .. ',"parentId":' .. js(m.parentId) .. ',"editedAt":' .. js(m.editedAt) .. ',"deletedAt":' .. js(m.deletedAt)
    .. ',"replyCount":' .. (m.parentId == cjson.null and string.format('%d', replies) or '0')
    .. ',"lastReplyAt":' .. js(m.lastReplyAt) .. ',"reactions":[' .. table.concat(chips, ',') .. '],"mentions":[' .. table.concat(mentions, ',') .. '],"revision":' .. string.format('%d', m.rev) .. '}'
end
local function announce(m, replies)
  local message = messageJson(m, replies)
  local data = '{"packet":{"type":2,"data":["message:updated",{"message":' .. message .. '}],"nsp":"/"},'
    .. '"opts":{"rooms":[' .. cjson.encode(ARGV[9]) .. '],"except":[],"flags":{}}}'
  if ARGV[10] ~= nil and ARGV[10] ~= '' then
    logAndPublish(KEYS[3], ARGV[10], data, '{"uid":"emitter","nsp":"/","type":3,"data":' .. data .. '}', ARGV[8])
  else
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'uid', 'emitter', 'nsp', '/', 'type', '3', 'data', data)
  end
  return message
end
`;

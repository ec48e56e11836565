import { roomChannel } from '@chat/protocol';
import type { Logger } from '@chat/service-kit';
import type { ChatServer } from '../realtime/types';

/** Options of {@link createOnlineMembers}; the defaults are what the gateway runs. */
export interface OnlineMembersOptions {
  /**
   * A first page lists who was online at most this long before it was asked (presence diffs are batched
   * the same 500 ms, so no client sees a change sooner anyway). Past half of it, a request still takes
   * the set it has and a new lookup starts in the background: a busy room's first pages never wait for a
   * round trip to the other gateways, and cost them two lookups a second. Default 500 ms.
   */
  freshMs?: number;
  /** How long the next pages of a listing reuse a set, so that they page the same one. Default 2 s. */
  reuseMs?: number;
  /** How long a lookup waits for the other gateways' answers. Default 1 s. */
  answerMs?: number;
}

interface Entry {
  /** When the lookup started: what its answer is at least as new as. */
  at: number;
  ids: Promise<Set<string>>;
  settled: boolean;
  /** The other gateways could not be asked: the set is this gateway's only, not to be reused. */
  failed: boolean;
}

/**
 * Who of a room has a socket open on any gateway, for members pages. Each gateway answers `room:online`
 * with the user ids of its own sockets in the room (read from the adapter's room index, nothing else):
 * `fetchSockets` answered with every socket's handshake, rooms and data, from every gateway, for each
 * lookup. A gateway that stopped (its Redis subscription gone) is no longer asked; one that does not answer
 * in time (hung, or an older gateway during a rolling upgrade that does not know `room:online`) is
 * asked the old way, and if that fails too, the page lists who is online here and logs a warning.
 */
export function createOnlineMembers(io: ChatServer, log: Logger, options: OnlineMembersOptions = {}) {
  const freshMs = options.freshMs ?? 500;
  const reuseMs = options.reuseMs ?? 2_000;
  const answerMs = options.answerMs ?? 1_000;
  const entries = new Map<string, Entry>();
  const renewing = new Set<string>();

  /** The user ids of this gateway's sockets in the room. */
  const here = (roomId: string): string[] => {
    const nsp = io.of('/');
    const ids: string[] = [];
    for (const socketId of nsp.adapter.rooms.get(roomChannel(roomId)) ?? []) {
      const id = nsp.sockets.get(socketId)?.data.user?.id;
      if (id) ids.push(id);
    }
    return ids;
  };

  const withinAnswerTime = async <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`not every gateway answered within ${answerMs} ms`)), answerMs);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  };

  const ask = async (roomId: string): Promise<Set<string>> => {
    const online = new Set(here(roomId));
    try {
      for (const ids of await withinAnswerTime(io.serverSideEmitWithAck('room:online', roomId))) for (const id of ids) online.add(id);
      return online;
    } catch (error) {
      log.warn({ err: error, roomId }, 'not every gateway answered room:online: asking them for their sockets');
    }
    const sockets = await io.in(roomChannel(roomId)).timeout(answerMs).fetchSockets();
    return new Set(sockets.map((s) => s.data.user.id));
  };

  const start = (roomId: string): Entry => {
    const entry: Entry = { at: Date.now(), settled: false, failed: false, ids: Promise.resolve(new Set<string>()) };
    entry.ids = ask(roomId)
      .catch((error: unknown) => {
        log.warn({ err: error, roomId }, 'could not read who is online elsewhere: listing who is online here');
        entry.failed = true;
        return new Set(here(roomId));
      })
      .finally(() => {
        entry.settled = true;
      });
    return entry;
  };
  const keep = (roomId: string, entry: Entry) => {
    // Bounded: rooms nobody pages any more go when the map grows.
    if (entries.size > 10_000) entries.clear();
    entries.set(roomId, entry);
  };
  /** A lookup the request waits for; the requests after it share it. A failed one is not kept. */
  const lookUp = (roomId: string): Promise<Set<string>> => {
    const entry = start(roomId);
    keep(roomId, entry);
    void entry.ids.then(() => entry.failed && entries.get(roomId) === entry && entries.delete(roomId));
    return entry.ids;
  };
  /** A lookup nobody waits for: the set it renews stays in use until it has answered. */
  const renew = (roomId: string) => {
    if (renewing.has(roomId)) return;
    renewing.add(roomId);
    const entry = start(roomId);
    void entry.ids.then(() => {
      renewing.delete(roomId);
      if (!entry.failed && (entries.get(roomId)?.at ?? 0) <= entry.at) keep(roomId, entry);
    });
  };

  return {
    /** Answers the other gateways' `room:online` with this gateway's part. */
    attach(): void {
      io.on('room:online', (roomId: unknown, done: unknown) => {
        if (typeof done === 'function') (done as (ids: string[]) => void)(typeof roomId === 'string' ? [...new Set(here(roomId))] : []);
      });
    },
    /** The user ids online in the room, read after the call and not kept (one member's flag in an event, not a page). */
    now: (roomId: string): Promise<Set<string>> => start(roomId).ids,
    /**
     * The user ids online in the room. `fresh` (a first page): read at most `freshMs` before the call;
     * otherwise (the next pages) a set read in the last `reuseMs` is reused.
     */
    onlineIn(roomId: string, fresh = false): Promise<Set<string>> {
      const last = entries.get(roomId);
      const age = last ? Date.now() - last.at : Infinity;
      if (!last || age >= (fresh ? freshMs : reuseMs)) return lookUp(roomId);
      // Half-way through its freshness, the set is renewed behind the requests that keep using it.
      if (fresh && last.settled && age >= freshMs / 2) renew(roomId);
      return last.ids;
    },
  };
}

export type OnlineMembers = ReturnType<typeof createOnlineMembers>;

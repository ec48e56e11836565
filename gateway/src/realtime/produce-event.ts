import type { MessageEvent } from '@chat/protocol';
import type { MessageBus } from '../message-bus';

/**
 * The one produce path of every kind of record on the messages topic (DESIGN.md's send path, for sends,
 * edits, deletions, reactions, and whatever kind comes next): the caller has authorized the event; it
 * becomes durable in Kafka on the room's key; then, **in the tick Kafka acknowledged**, `announce`
 * queues the Redis records and the broadcast on the one Redis connection (records first, so a member who
 * sees the event finds it live); its promise is awaited before the caller acks.
 *
 * Why the tick matters: a gateway's shutdown flushes Kafka, then closes Socket.IO and quits Redis.
 * Commands queued before the quit still run; anything issued after awaiting a Redis reply may not.
 * So `announce` must issue every command synchronously (ioredis queues it at the call), and must not
 * broadcast anything that depends on a Redis reply: a change's new state is broadcast by the script
 * that computes it (see redis/announce-script.ts). Nothing is recorded or broadcast when Kafka refuses:
 * the rejection (UNAVAILABLE) goes to the caller.
 */
export async function produceEvent<T>(bus: MessageBus, event: MessageEvent, announce: () => Promise<T>): Promise<T> {
  await bus.publish(event);
  return announce();
}

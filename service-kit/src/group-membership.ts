import type { Consumer } from 'kafkajs';
import type { Logger } from './logger';

/** Where one consumer stands in its group, as the readiness checks of the services ask it. */
export interface GroupMembership {
  /** Between joining the group and stopping, disconnecting or crashing. */
  readonly joined: boolean;
  /**
   * Joined, and a fetch has completed since: where each partition starts is resolved, so from now on
   * no new record is missed (what "ready" means for a reader that starts at the end of the topic).
   */
  readonly fetching: boolean;
}

/**
 * Follows a kafkajs consumer's group events: logs the join, tells a crash kafkajs restarts from a
 * fatal one (`onFatal`: the process should exit and be restarted), and keeps the standing that
 * readiness reports. One definition for every service that reads the log.
 */
export function watchGroupMembership(consumer: Consumer, log: Logger, onFatal: (error: Error) => void): GroupMembership {
  let joined = false;
  let fetchedSinceJoin = false;
  const { events } = consumer;
  consumer.on(events.GROUP_JOIN, ({ payload }) => {
    joined = true;
    fetchedSinceJoin = false;
    log.info({ groupId: payload.groupId, memberId: payload.memberId, assignment: payload.memberAssignment }, 'joined the consumer group');
  });
  consumer.on(events.FETCH, () => (fetchedSinceJoin = true));
  consumer.on(events.STOP, () => (joined = false));
  consumer.on(events.DISCONNECT, () => (joined = false));
  consumer.on(events.CRASH, ({ payload }) => {
    joined = false;
    if (payload.restart) {
      log.warn({ error: payload.error.message }, 'consumer crashed; kafkajs restarts it');
      return;
    }
    onFatal(payload.error);
  });
  return {
    get joined() {
      return joined;
    },
    get fetching() {
      return joined && fetchedSinceJoin;
    },
  };
}

import { createLogger } from '@chat/service-kit';
import { DeferredCommits, type PartitionOffset } from './deferred-commits';

const log = createLogger({ service: 'test', level: 'silent' });
const at = (partition: number, offset: number): PartitionOffset => ({ topic: 't', partition, offset: String(offset) });

/** A sender that records each request and lets the test await the next one. */
function recorder() {
  const requests: PartitionOffset[][] = [];
  let waiting: (() => void) | undefined;
  const send = async (offsets: PartitionOffset[]) => {
    requests.push(offsets);
    waiting?.();
  };
  const next = () => new Promise<void>((resolve) => (waiting = resolve));
  return { requests, send, next };
}

describe('DeferredCommits', () => {
  it('sends the first commit at once, then gathers every partition into one request a interval', async () => {
    const background = recorder();
    const batch = recorder();
    const commits = new DeferredCommits(200, background.send, log);
    await commits.stored(at(0, 1), batch.send, false);
    expect(batch.requests).toEqual([[at(0, 1)]]);

    const tail = background.next();
    await commits.stored(at(0, 2), batch.send, false);
    await commits.stored(at(1, 7), batch.send, false);
    await commits.stored(at(0, 3), batch.send, false);
    expect(batch.requests).toHaveLength(1);
    // Traffic stopped: the timer sends what is left, the newest offset of each partition, in one request.
    await tail;
    expect(background.requests).toEqual([[at(0, 3), at(1, 7)]]);
    await commits.close();
  });

  it('sends at once when told (a stopping consumer) and after close', async () => {
    const batch = recorder();
    const commits = new DeferredCommits(60_000, recorder().send, log);
    await commits.stored(at(0, 1), batch.send, false);
    await commits.stored(at(0, 2), batch.send, true);
    await commits.close();
    await commits.stored(at(0, 3), batch.send, false);
    expect(batch.requests).toEqual([[at(0, 1)], [at(0, 2)], [at(0, 3)]]);
  });

  it('close sends what is pending through the consumer', async () => {
    const background = recorder();
    const commits = new DeferredCommits(60_000, background.send, log);
    await commits.stored(at(0, 1), recorder().send, false);
    await commits.stored(at(2, 5), recorder().send, false);
    await commits.close();
    expect(background.requests).toEqual([[at(2, 5)]]);
  });

  it('tries a failed background commit again, unless a newer offset replaced it', async () => {
    const sent: PartitionOffset[][] = [];
    let failures = 1;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const background = async (offsets: PartitionOffset[]) => {
      if (failures-- > 0) throw new Error('REBALANCE_IN_PROGRESS');
      sent.push(offsets);
      done();
    };
    const commits = new DeferredCommits(50, background, log);
    await commits.stored(at(0, 1), recorder().send, false);
    await commits.stored(at(0, 2), recorder().send, false);
    await finished;
    expect(sent).toEqual([[at(0, 2)]]);
    await commits.close();
  });
});

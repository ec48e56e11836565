// Presence through nginx and two gateways: batched diffs per room, counted across gateways.
import type { PresenceDiffEvent } from '@chat/protocol';
import { collect, connectSocket, eventually, roomOf, useGatewaySystem } from '@chat/testing';

const suite = useGatewaySystem({ gateways: 2 });

const { connect } = suite;

/** A room of `size` members (the first creates it and invites the rest). */
async function room(size: number) {
  const { users, room } = await roomOf(suite.url, size, { name: 'presence' });
  return { users, roomId: room.id };
}

const onlineIn = (diffs: PresenceDiffEvent[]) => diffs.flatMap((d) => (d.large ? [] : d.online.map((u) => u.id)));
const offlineIn = (diffs: PresenceDiffEvent[]) => diffs.flatMap((d) => (d.large ? [] : d.offline.map((u) => u.id)));

describe('presence', () => {
  it('tells a member on one gateway that a member on the other came online, and went offline with the last socket only', async () => {
    const { users, roomId } = await room(3);
    const [alice, bob, carol] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
    const watcher = await connect(alice.token, 'g1');
    const diffs = collect(watcher, 'presence:diff');
    const first = await connect(bob.token, 'g2');
    await eventually(async () => onlineIn(diffs), (ids) => ids.includes(bob.user.id), 10_000, 'bob online');
    expect(diffs.every((d) => d.roomId === roomId)).toBe(true);

    // A second socket of someone already online changes nothing, nor does closing one of the two.
    const second = await connect(bob.token, 'g1');
    first.close();
    // Carol's arrival is flushed by g2 with, or after, bob's closed socket: once it is seen, so is any
    // announcement that socket caused.
    await connect(carol.token, 'g2');
    await eventually(async () => onlineIn(diffs), (ids) => ids.includes(carol.user.id), 10_000, 'carol online');
    expect(offlineIn(diffs)).not.toContain(bob.user.id);

    second.close();
    await eventually(async () => offlineIn(diffs), (ids) => ids.includes(bob.user.id), 10_000, 'bob offline');
    // Diffs are states, not counts (a gateway may repeat that someone is online): the last one about bob says offline.
    const last = diffs.filter((d) => !d.large && [...d.online, ...d.offline].some((u) => u.id === bob.user.id)).at(-1);
    expect(!last?.large && last?.offline.map((u) => u.id)).toContain(bob.user.id);
  });

  it('announces members who join at once in a few diffs per room, not one event per member', async () => {
    const { users } = await room(13);
    const watcher = await connect(users[0]!.token, 'g1');
    const diffs = collect(watcher, 'presence:diff');
    const others = users.slice(1);
    await Promise.all(others.map((u, i) => connect(u.token, i % 2 === 0 ? 'g1' : 'g2')));
    const expected = others.map((u) => u.user.id).sort();
    // The watcher's own arrival may be in a diff too: only the others count here.
    const othersOnline = () => onlineIn(diffs).filter((id) => id !== users[0]!.user.id);
    await eventually(async () => new Set(othersOnline()).size, (n) => n === expected.length, 10_000, 'all members online');
    expect([...new Set(othersOnline())].sort()).toEqual(expected);
    expect(othersOnline()).toHaveLength(expected.length); // nobody announced twice
    // Two gateways, each flushing its joins per interval: far fewer diffs than members.
    expect(diffs.length).toBeLessThanOrEqual(6);
  });

  it('announces offline, from the gateway that is left, a member whose only socket was on a gateway killed with -9', async () => {
    const { users, roomId } = await room(3);
    const [alice, bob, carol] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
    const watcher = await connect(alice.token, 'g2');
    const diffs = collect(watcher, 'presence:diff');
    // Bob's client is gone with his gateway (no reconnection); Carol's comes back on g2.
    await connect(bob.token, 'g1');
    const carolSocket = await connectSocket(suite.url, carol.token, { gateway: 'g1', reconnection: true });
    suite.closeAfterTest(carolSocket);
    await eventually(async () => onlineIn(diffs), (ids) => ids.includes(bob.user.id) && ids.includes(carol.user.id), 10_000, 'bob and carol online');
    const [g1] = suite.system.gateways;
    const killedAt = Date.now();
    await g1!.kill();
    // No socket closed where a gateway could see it: only the lapsed heartbeat tells (PRESENCE_TTL_MS, 15 s).
    await eventually(async () => offlineIn(diffs), (ids) => ids.includes(bob.user.id), 40_000, 'bob offline after the crash');
    expect(Date.now() - killedAt).toBeGreaterThan(5_000);
    expect(diffs.filter((d) => d.roomId === roomId).length).toBeGreaterThan(0);
    expect(offlineIn(diffs)).not.toContain(carol.user.id);
    await g1!.start();
  }, 90_000);
});

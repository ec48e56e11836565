import { messageHref, roomHref, roomIdFromHash, routeFromHash } from './use-hash-route';

describe('hash routes', () => {
  it('reads a room, and a permalink to a message or to a reply in its thread', () => {
    expect(routeFromHash('#/')).toEqual({});
    expect(routeFromHash(roomHref('r 1'))).toEqual({ roomId: 'r 1', messageId: undefined, threadId: undefined });
    expect(routeFromHash(messageHref({ id: 'm1', roomId: 'r1' }))).toEqual({ roomId: 'r1', messageId: 'm1', threadId: undefined });
    expect(routeFromHash(messageHref({ id: 'm2', roomId: 'r1', parentId: 'm1' }))).toEqual({ roomId: 'r1', messageId: 'm2', threadId: 'm1' });
    expect(roomIdFromHash('#/room/r1?message=m1')).toBe('r1');
    expect(routeFromHash('#/room/r1/extra')).toEqual({});
  });
});

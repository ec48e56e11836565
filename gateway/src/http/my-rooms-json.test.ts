// The room list's body against what express's res.json sends under `json escape`: the same bytes whether
// or not a field people write holds <, > or &.
import type { MyRoom } from '@chat/protocol';
import { myRoomsJson } from './my-rooms-json';

const room = (over: Partial<MyRoom>): MyRoom => ({
  id: '0193a1b2-0000-7000-8000-000000000001',
  name: 'general',
  visibility: 'public',
  createdAt: '2026-12-02T13:11:56.123Z',
  memberCount: 3,
  topic: '',
  description: '',
  archivedAt: null,
  ownerId: null,
  lastReadId: null,
  unreadCount: 0,
  mentionCount: 0,
  preferences: { notify: 'mentions', muted: false },
  ...over,
});

/** What express does with `json escape` on: JSON.stringify, then every <, > and & as a \u escape. */
const expressJson = (body: unknown) => JSON.stringify(body).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('myRoomsJson', () => {
  it.each([
    ['plain rooms', [room({}), room({ name: 'random', topic: 'daily', description: 'notes' })]],
    ['a name with markup', [room({}), room({ name: '<script>alert(1)</script>' })]],
    ['a topic with an ampersand', [room({ topic: 'Q&A' })]],
    ['a description with >', [room({ description: 'a -> b' })]],
  ])('sends what res.json would for %s', (_name, rooms) => {
    expect(myRoomsJson(rooms, true)).toBe(expressJson({ rooms }));
    expect(JSON.parse(myRoomsJson(rooms, true))).toEqual({ rooms });
  });

  it('leaves the text as it is when the app does not escape', () => {
    const rooms = [room({ name: 'a<b' })];
    expect(myRoomsJson(rooms, false)).toBe(JSON.stringify({ rooms }));
  });
});

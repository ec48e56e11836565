/** @jest-environment jsdom */
import { cleanup, render, screen, within } from '@testing-library/react';
import { ann, OTHER_ROOM_ID, room, ROOM_ID } from '../test-support/factories';
import { Sidebar } from './sidebar';

const DIRECT_ID = '0190b000-0000-7000-8000-000000000003';
const unread: Record<string, number> = { [ROOM_ID]: 3, [OTHER_ROOM_ID]: 0, [DIRECT_ID]: 120 };

function renderSidebar(activeRoomId?: string) {
  render(
    <Sidebar
      me={ann}
      rooms={[room(ROOM_ID, 'general'), room(OTHER_ROOM_ID, 'secret', { visibility: 'private' }), room(DIRECT_ID, 'bob', { visibility: 'direct' })]}
      roomsLoaded
      activeRoomId={activeRoomId}
      unreadCount={(id) => unread[id] ?? 0}
      onCreateRoom={jest.fn()}
      onBrowseRooms={jest.fn()}
      onDirectMessage={jest.fn()}
      onLogout={jest.fn()}
    />,
  );
}

describe('Sidebar', () => {
  it('moves archived rooms out of the room list into an Archived section, shown only when there is one', () => {
    renderSidebar();
    expect(screen.queryByRole('list', { name: 'Archived' })).toBeNull();
    cleanup();
    render(
      <Sidebar
        me={ann}
        rooms={[room(ROOM_ID, 'general'), room(OTHER_ROOM_ID, 'old plans', { archivedAt: '2026-12-01T12:00:00.000Z' })]}
        roomsLoaded
        unreadCount={() => 0}
        onCreateRoom={jest.fn()}
        onBrowseRooms={jest.fn()}
        onDirectMessage={jest.fn()}
        onLogout={jest.fn()}
      />,
    );
    const rooms = screen.getByRole('list', { name: 'Rooms' });
    const archived = screen.getByRole('list', { name: 'Archived' });
    expect(within(rooms).getAllByRole('link').map((a) => a.textContent)).toEqual(['#general']);
    expect(within(archived).getByRole('link').getAttribute('href')).toBe(`#/room/${OTHER_ROOM_ID}`);
  });

  it('lists rooms and direct conversations apart, each linking to its room', () => {
    renderSidebar();
    const rooms = screen.getByRole('list', { name: 'Rooms' });
    const directs = screen.getByRole('list', { name: 'Direct messages' });
    expect(within(rooms).getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual([
      `#/room/${ROOM_ID}`,
      `#/room/${OTHER_ROOM_ID}`,
    ]);
    expect(within(directs).getByRole('link').textContent).toContain('bob');
  });

  it('names unread counts in the link, caps them at 99+, and shows none for a read room', () => {
    renderSidebar();
    expect(screen.getByRole('link', { name: 'general 3 unread' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'bob 99+ unread' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'secret (private)' })).toBeTruthy();
  });

  it('marks the open room as the current page', () => {
    renderSidebar(OTHER_ROOM_ID);
    expect(screen.getByRole('link', { name: 'secret (private)' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: 'general 3 unread' }).getAttribute('aria-current')).toBeNull();
  });
});

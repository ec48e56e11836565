import type { Invitation, PublicUser, Room } from '@chat/protocol';
import { formatUnread } from '../chat/unread';
import { InvitationList } from './invitation-list';
import { roomHref } from './use-hash-route';

/** What the sidebar shows and what it can start. */
export interface SidebarProps {
  me: PublicUser;
  rooms: readonly Room[];
  roomsLoaded: boolean;
  activeRoomId?: string;
  unreadCount: (roomId: string) => number;
  /** Messages mentioning me since I read the room (a badge of its own); none by default. */
  mentionCount?: (roomId: string) => number;
  /** A muted room shows a dot instead of its count. */
  isMuted?: (roomId: string) => boolean;
  /** Shown while the browser may still be asked for notifications (permission "default"). */
  onEnableNotifications?: () => void;
  onCreateRoom: () => void;
  onBrowseRooms: () => void;
  onDirectMessage: () => void;
  onLogout: () => void;
  /** Opens the account dialog (sessions, password); none: no Account button. */
  onAccount?: () => void;
  /** Pending invitations, shown above the rooms with Accept and Decline (none: nothing shown). */
  invitations?: readonly Invitation[];
  onAcceptInvitation?: (roomId: string) => void;
  onDeclineInvitation?: (roomId: string) => void;
}

/** A padlock drawn inline: emoji fonts are not on every system (a missing one shows an empty box). */
function LockIcon() {
  return (
    <svg width="12" height="12" viewBox="0 0 16 16" fill="currentColor" focusable="false">
      <path d="M4 7V5a4 4 0 1 1 8 0v2h1a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h1zm2 0h4V5a2 2 0 1 0-4 0v2z" />
    </svg>
  );
}

function RoomLink({ room, active, unread, mentions = 0, muted = false }: { room: Room; active: boolean; unread: number; mentions?: number; muted?: boolean }) {
  return (
    <li>
      <a
        className={`room-link${active ? ' room-link--active' : ''}${unread > 0 ? ' room-link--unread' : ''}`}
        href={roomHref(room.id)}
        aria-current={active ? 'page' : undefined}
      >
        <span className="room-link__icon" aria-hidden="true">
          {room.visibility === 'direct' ? '@' : room.visibility === 'private' ? <LockIcon /> : '#'}
        </span>
        <span className="room-link__name">{room.name}</span>
        {room.visibility === 'private' && <span className="visually-hidden"> (private)</span>}
        {mentions > 0 && !muted && (
          <span className="badge badge--mention">
            @{formatUnread(mentions)}
            <span className="visually-hidden"> {mentions === 1 ? 'mention' : 'mentions'}</span>
          </span>
        )}
        {unread > 0 && muted && (
          <span className="unread-dot" title="New messages (muted)">
            <span className="visually-hidden">new messages, muted</span>
          </span>
        )}
        {unread > 0 && !muted && (
          <span className="badge">
            {formatUnread(unread)}
            <span className="visually-hidden"> unread</span>
          </span>
        )}
      </a>
    </li>
  );
}

/** My rooms, archived rooms apart, and direct conversations with unread counts, and the ways to add more. */
export function Sidebar(props: SidebarProps) {
  const { me, rooms, roomsLoaded, activeRoomId, unreadCount } = props;
  const link = (room: Room) => (
    <RoomLink
      key={room.id}
      room={room}
      active={room.id === activeRoomId}
      unread={unreadCount(room.id)}
      mentions={props.mentionCount?.(room.id)}
      muted={props.isMuted?.(room.id)}
    />
  );
  // Archived rooms are read-only: they leave the room list for a section of their own below it.
  const channels = rooms.filter((r) => r.visibility !== 'direct' && !r.archivedAt);
  const archived = rooms.filter((r) => r.visibility !== 'direct' && r.archivedAt);
  const directs = rooms.filter((r) => r.visibility === 'direct');
  return (
    <aside className="sidebar" aria-label="Rooms and conversations">
      <div className="sidebar__top">
        <span className="brand">Chat</span>
        <span className="sidebar__me" title={`Signed in as ${me.username}`}>
          <span className="presence-dot presence-dot--online" aria-hidden="true" />
          {me.username}
        </span>
        {props.onAccount && (
          <button type="button" className="button button--small" onClick={props.onAccount}>
            Account
          </button>
        )}
        <button type="button" className="button button--small" onClick={props.onLogout}>
          Log out
        </button>
        {props.onEnableNotifications && (
          <button type="button" className="button button--small" onClick={props.onEnableNotifications}>
            Enable notifications
          </button>
        )}
      </div>
      <nav className="sidebar__nav" aria-label="Rooms">
        <InvitationList
          invitations={props.invitations ?? []}
          onAccept={(roomId) => props.onAcceptInvitation?.(roomId)}
          onDecline={(roomId) => props.onDeclineInvitation?.(roomId)}
        />
        <div className="sidebar__section-head">
          <h2 id="rooms-heading">Rooms</h2>
          <button type="button" className="icon-button" onClick={props.onCreateRoom} aria-label="Create room" title="Create room">
            +
          </button>
        </div>
        {!roomsLoaded ? (
          <p className="sidebar__empty" role="status">
            Loading…
          </p>
        ) : channels.length === 0 ? (
          <p className="sidebar__empty">No rooms yet.</p>
        ) : (
          <ul aria-labelledby="rooms-heading">
            {channels.map(link)}
          </ul>
        )}
        <button type="button" className="link-button sidebar__action" onClick={props.onBrowseRooms}>
          Browse public rooms
        </button>
        {archived.length > 0 && (
          <>
            <div className="sidebar__section-head">
              <h2 id="archived-heading">Archived</h2>
            </div>
            <ul aria-labelledby="archived-heading" className="sidebar__archived">
              {archived.map(link)}
            </ul>
          </>
        )}
        <div className="sidebar__section-head">
          <h2 id="directs-heading">Direct messages</h2>
          <button
            type="button"
            className="icon-button"
            onClick={props.onDirectMessage}
            aria-label="New direct message"
            title="New direct message"
          >
            +
          </button>
        </div>
        {roomsLoaded && directs.length === 0 ? (
          <p className="sidebar__empty">No conversations yet.</p>
        ) : (
          <ul aria-labelledby="directs-heading">
            {directs.map(link)}
          </ul>
        )}
      </nav>
    </aside>
  );
}

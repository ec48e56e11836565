import type { Invitation } from '@chat/protocol';

export interface InvitationListProps {
  invitations: readonly Invitation[];
  onAccept: (roomId: string) => void;
  onDecline: (roomId: string) => void;
}

/** Rooms I was invited to, each with Accept and Decline: nobody joins a room without saying yes. */
export function InvitationList({ invitations, onAccept, onDecline }: InvitationListProps) {
  if (invitations.length === 0) return null;
  return (
    <section className="invitations" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading" className="sidebar__section-head">
        Invitations
      </h2>
      <ul>
        {invitations.map(({ room, inviter }) => (
          <li key={room.id} className="invitation">
            <span className="invitation__text">
              <bdi>{inviter.username}</bdi> invited you to <bdi className="invitation__room">{room.name}</bdi>
            </span>
            <span className="invitation__actions">
              <button type="button" className="button button--small" onClick={() => onAccept(room.id)} aria-label={`Accept invitation to ${room.name}`}>
                Accept
              </button>
              <button type="button" className="link-button" onClick={() => onDecline(room.id)} aria-label={`Decline invitation to ${room.name}`}>
                Decline
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

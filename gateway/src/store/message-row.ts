/**
 * The columns of a `messages` row that every reader of one message selects, as PostgreSQL returns
 * them (ids as text): history pages and the stored state a gateway seeds add their own to these.
 */
export interface MessageRowBase {
  id: string;
  room_id: string;
  sender_id: string;
  sender_username: string;
  body: string;
  client_msg_id: string;
  created_at: Date;
  parent_id: string | null;
  edited_at: Date | null;
  deleted_at: Date | null;
  last_reply_at: Date | null;
  mentions: string[];
}

/** The select list of {@link MessageRowBase}, in its order. */
export const MESSAGE_ROW_COLUMNS = `id::text, room_id::text, sender_id::text, sender_username, body, client_msg_id, created_at,
  parent_id::text, edited_at, deleted_at, last_reply_at, mentions::text[]`;

/** A nullable timestamp column as the protocol's ISO string. */
export const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

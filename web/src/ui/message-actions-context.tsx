import type { Reaction, UserProfile } from '@chat/protocol';
import { createContext } from 'react';

/** A message as its actions need it. */
export interface ActionTarget {
  id: string;
  roomId: string;
  /** The thread's parent, for a reply (its permalink opens the thread). */
  parentId?: string | null;
  reactions: readonly Reaction[];
}

/** What message rows may do, provided by the room view (absent: rows show no actions). */
export interface MessageActionsApi {
  myId: string;
  /** A member's name for "who reacted" (the id when unknown). */
  nameOf(userId: string): string;
  /** The name a sender is shown by: its display name where set (issue 16), else its username. */
  senderName?(user: { id: string; username: string }): string;
  /** A sender's avatar (picture and initials), from the room's member profiles; undefined when unknown. */
  avatarOf?(userId: string): UserProfile['avatar'] | undefined;
  toggleReaction(message: ActionTarget, emoji: string): void;
  /** Opens the sender's profile card. */
  openProfile?(userId: string): void;
  /** Opens the thread of a top-level message. */
  openThread(messageId: string): void;
  /** Resolves with a problem to show, or undefined once done. */
  edit(messageId: string, body: string): Promise<string | undefined>;
  remove(messageId: string): Promise<string | undefined>;
  copyLink(message: ActionTarget): void;
  /** The message a permalink opened the room at: scrolled to and flashed. */
  flashId?: string;
  /** The message whose body is being edited in place, if any. */
  editingId?: string;
  setEditing(messageId: string | undefined): void;
}

export const MessageActionsContext = createContext<MessageActionsApi | undefined>(undefined);

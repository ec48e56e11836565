import type { ChatState } from './chat-state';

/** A change of the chat state: a patch, or a function of the current state (for changes that read it). */
export type ChatChange = Partial<ChatState> | ((state: ChatState) => Partial<ChatState> | ChatState);

/**
 * The one container of the chat state the UI subscribes to (useSyncExternalStore). Each `commit` is
 * one state update and one notification; a commit that changes nothing notifies nobody, so an event
 * that turns out to be old news (a duplicate delivery) does not re-render the app.
 */
export class ChatStore {
  private current: ChatState;
  private readonly listeners = new Set<() => void>();

  constructor(initial: ChatState) {
    this.current = initial;
  }

  /** For useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** For useSyncExternalStore: the same object until something changes. */
  readonly getState = (): ChatState => this.current;

  commit(change: ChatChange): void {
    const patch = typeof change === 'function' ? change(this.current) : change;
    const keys = Object.keys(patch) as (keyof ChatState)[];
    if (patch === this.current || keys.every((key) => patch[key] === this.current[key])) return;
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }

  clear(): void {
    this.listeners.clear();
  }
}

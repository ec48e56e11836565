import type { ConnectionState } from '../chat/chat-controller';

/** Tells the user when live updates stop: while connecting at first, and while reconnecting. */
export function ConnectionBanner({ state }: { state: ConnectionState }) {
  if (state === 'connected') return <div className="visually-hidden" role="status" aria-live="polite" />;
  return (
    <div className={`banner banner--${state}`} role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {state === 'offline'
        ? 'You are offline. Messages will be sent when the connection is back.'
        : state === 'reconnecting'
          ? 'Connection lost. Reconnecting…'
          : 'Connecting…'}
    </div>
  );
}

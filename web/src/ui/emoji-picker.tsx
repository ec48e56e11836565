import { SHORTCODES } from '@chat/protocol';
import { useId, useMemo, useState } from 'react';

const RECENT_KEY = 'chat.recentEmoji';
const RECENT_MAX = 8;
const ALL = Object.entries(SHORTCODES);

/** The emoji I picked last, newest first (localStorage; empty where it is unavailable). */
export function recentEmoji(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string').slice(0, RECENT_MAX) : [];
  } catch {
    return [];
  }
}

function remember(emoji: string): void {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX)));
  } catch {
    // private mode: nothing remembered
  }
}

/** A small emoji picker: search by name, recent emoji first, the platform's shortcode list below. */
export function EmojiPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const id = useId();
  const recent = useMemo(recentEmoji, []);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase().replace(/:/g, '');
    return q ? ALL.filter(([name]) => name.includes(q)) : ALL;
  }, [query]);
  const pick = (emoji: string) => {
    remember(emoji);
    onPick(emoji);
  };
  return (
    <div className="emoji-picker" role="dialog" aria-label="Pick a reaction" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <label htmlFor={`${id}-search`} className="visually-hidden">
        Search emoji
      </label>
      <input id={`${id}-search`} className="emoji-picker__search" placeholder="Search emoji" value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
      {recent.length > 0 && !query && (
        <div className="emoji-picker__group" aria-label="Recent">
          {recent.map((emoji) => (
            <button key={emoji} type="button" className="emoji-picker__emoji" onClick={() => pick(emoji)} aria-label={`React with ${emoji}`}>
              {emoji}
            </button>
          ))}
        </div>
      )}
      <div className="emoji-picker__group">
        {matches.map(([name, emoji]) => (
          <button key={name} type="button" className="emoji-picker__emoji" title={`:${name}:`} onClick={() => pick(emoji)} aria-label={`React with ${name}`}>
            {emoji}
          </button>
        ))}
        {matches.length === 0 && <p className="muted">No emoji named “{query}”.</p>}
      </div>
    </div>
  );
}

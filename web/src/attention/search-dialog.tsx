import type { Room, SearchResponse, SearchResult } from '@chat/protocol';
import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import { errorText } from '../ui/error-text';
import { formatFullTime } from '../ui/format-time';
import { Modal } from '../ui/modal';

/** Waits this long after the last keystroke before searching. */
const DEBOUNCE_MS = 250;

export interface SearchDialogProps {
  search: (q: string) => Promise<SearchResponse>;
  rooms: readonly Room[];
  /** Opens the result's message in its room. */
  onOpen: (result: SearchResult) => void;
  onClose: () => void;
}

/** The body with the matched ranges in `<mark>`: text nodes only, nothing typed becomes markup. */
function Highlighted({ result }: { result: SearchResult }) {
  const { body } = result.message;
  const parts: (string | { mark: string })[] = [];
  let at = 0;
  for (const { start, end } of result.highlights) {
    if (start > at) parts.push(body.slice(at, start));
    parts.push({ mark: body.slice(start, end) });
    at = end;
  }
  parts.push(body.slice(at));
  return <>{parts.map((p, i) => (typeof p === 'string' ? <span key={i}>{p}</span> : <mark key={i}>{p.mark}</mark>))}</>;
}

/** Search over my rooms (Ctrl/Cmd+K): results with sender, room and time; Enter or a click opens one. */
export function SearchDialog({ search, rooms, onOpen, onClose }: SearchDialogProps) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<SearchResult[]>();
  const [error, setError] = useState<string>();
  const [active, setActive] = useState(0);
  const id = useId();
  useEffect(() => {
    const query = q.trim();
    if (!query) return setResults(undefined);
    let current = true;
    const timer = setTimeout(() => {
      search(query).then(
        (page) => current && (setResults(page.results), setError(undefined), setActive(0)),
        (e: unknown) => current && setError(errorText(e)),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [q, search]);
  const roomName = (roomId: string) => {
    const room = rooms.find((r) => r.id === roomId);
    return room ? (room.visibility === 'direct' ? room.name : `#${room.name}`) : 'a room';
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (!results || results.length === 0) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((a) => (a + (event.key === 'ArrowDown' ? 1 : results.length - 1)) % results.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      onOpen(results[active]!);
    }
  };
  return (
    <Modal title="Search messages" onClose={onClose}>
      {() => (
        <div className="search field">
          <label htmlFor={`${id}-q`} className="visually-hidden">
            Search
          </label>
          <input
            id={`${id}-q`}
            type="search"
            placeholder='Words, "a phrase", or the start of a word'
            value={q}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={onKeyDown}
            role="combobox"
            aria-expanded={Boolean(results && results.length > 0)}
            aria-controls={`${id}-results`}
            aria-activedescendant={results && results.length > 0 ? `${id}-r${active}` : undefined}
            autoComplete="off"
          />
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          {results && results.length === 0 && <p role="status">No messages found.</p>}
          <ul id={`${id}-results`} className="search-results" role="listbox" aria-label="Search results">
            {(results ?? []).map((result, index) => (
              <li key={result.message.id} role="presentation">
                <button
                  type="button"
                  id={`${id}-r${index}`}
                  role="option"
                  aria-selected={index === active}
                  className="search-result"
                  onClick={() => onOpen(result)}
                >
                  <span className="search-result__meta">
                    {result.message.sender.username} in {roomName(result.message.roomId)} · {formatFullTime(new Date(result.message.createdAt))}
                  </span>
                  <br />
                  <Highlighted result={result} />
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </Modal>
  );
}

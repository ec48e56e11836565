import { type Attachment, LIMITS, type PublicUser } from '@chat/protocol';
import { useContext, useEffect, useId, useRef, useState, type ClipboardEvent, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import { loadDraft, saveDraft } from '../attention/drafts';
import { completeMention, mentionQuery, mentionSuggestions } from '../attention/mention-autocomplete';
import { formatBytes } from '../files/upload-file';
import { FileUploads } from './attachments';
import { useUploads } from './use-uploads';

/** Beyond this many characters the composer shows how many are left. */
const SHOW_COUNT_FROM = LIMITS.bodyMax - 500;
const MAX_HEIGHT_PX = 200;

/** What the composer needs from the room. */
export interface ComposerProps {
  roomName: string;
  /** The room files are uploaded into; absent: this composer attaches nothing (a thread's). */
  roomId?: string;
  /** The room assistant's name, when this deployment runs one: the hint says how to ask it. */
  assistantName?: string;
  /** Sends the text; returns a problem to show (and keeps the text), or undefined when it went out. */
  onSend: (text: string, attachments: Attachment[]) => string | undefined;
  /** Called on each edit that leaves text in the box (the caller throttles the typing signal). */
  onTyping: () => void;
  /** Up-arrow in an empty box: edit my last message. */
  onEditLast?: () => void;
  /** Where the unsent text is kept between room switches and reloads (none: not kept). */
  draftKey?: string;
  /** The room's members, for the `@` autocomplete (and my id, never suggested). */
  members?: readonly PublicUser[];
  /** Whether `@room` is offered (the owner and admins of a room small enough for it). */
  canMentionRoom?: boolean;
  myId?: string;
}

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ roomName, roomId, assistantName, onSend, onTyping, onEditLast, draftKey, members, canMentionRoom = false, myId = '' }: ComposerProps) {
  const api = useContext(FileUploads);
  // Hooks run unconditionally; without a room (a thread's composer) nothing can be attached.
  const files = useUploads(api ?? { createUpload: () => Promise.reject(new Error('uploads are not available')) }, roomId ?? '');
  const attachable = roomId !== undefined && api !== undefined;
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [text, setTextState] = useState(() => loadDraft(draftKey));
  const [problem, setProblem] = useState<string>();
  const [caret, setCaret] = useState(0);
  const [picked, setPicked] = useState(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const pendingCaret = useRef<number | undefined>(undefined);
  const id = useId();
  const setText = (next: string) => {
    setTextState(next);
    saveDraft(draftKey, next);
  };
  const query = members ? mentionQuery(text, caret) : undefined;
  const suggestions = query ? mentionSuggestions(members ?? [], query.query, myId, canMentionRoom) : [];
  useEffect(() => {
    if (pendingCaret.current === undefined || !input.current) return;
    input.current.setSelectionRange(pendingCaret.current, pendingCaret.current);
    pendingCaret.current = undefined;
  });
  const complete = (name: string) => {
    if (!query) return;
    const done = completeMention(text, query.start, caret, name);
    setText(done.text);
    setCaret(done.caret);
    pendingCaret.current = done.caret;
    setPicked(0);
    input.current?.focus();
  };

  const resize = (el: HTMLTextAreaElement) => {
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  };

  const canSend = (text.trim() !== '' || files.ready > 0) && !files.busy;
  const submit = () => {
    if (!canSend) return;
    const error = onSend(text, files.uploads.filter((u) => u.state === 'done').map((u) => u.attachment!));
    setProblem(error);
    if (error) return;
    files.take();
    setText('');
    if (input.current) {
      input.current.style.height = 'auto';
      input.current.focus();
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (suggestions.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        setPicked((p) => (p + (event.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && !event.nativeEvent.isComposing) {
        event.preventDefault();
        complete(suggestions[Math.min(picked, suggestions.length - 1)]!);
        return;
      }
    }
    if (event.key === 'ArrowUp' && text === '' && onEditLast) {
      event.preventDefault();
      onEditLast();
      return;
    }
    // isComposing: Enter that confirms an IME candidate (Japanese, Chinese, ...) must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };

  const onPaste = (event: ClipboardEvent) => {
    if (!attachable) return;
    const pasted = [...event.clipboardData.files];
    if (pasted.length === 0) return; // text: the textarea takes it
    event.preventDefault();
    files.add(pasted);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    if (!attachable) return;
    setDragging(false);
    files.add([...event.dataTransfer.files]);
  };

  const left = LIMITS.bodyMax - text.length;
  return (
    <form
      className={`composer${dragging ? ' composer--dragging' : ''}`}
      onSubmit={onSubmit}
      onPaste={onPaste}
      onDragOver={(event) => {
        event.preventDefault();
        if (attachable) setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {files.uploads.length > 0 && (
        <ul className="composer__uploads" aria-label="Files to send">
          {files.uploads.map((u) => (
            <li key={u.key} className={`upload upload--${u.state}`}>
              <span className="upload__name">{u.file.name || 'pasted image'}</span> <span className="upload__size">{formatBytes(u.file.size)}</span>
              {u.state === 'uploading' && <progress className="upload__progress" max={1} value={u.progress} aria-label={`Uploading ${u.file.name}`} />}
              {u.state === 'failed' && (
                <>
                  <span className="field-error" role="alert">{u.error}</span>{' '}
                  <button type="button" className="link-button" onClick={() => files.retry(u.key)}>
                    Retry
                  </button>
                </>
              )}
              <button type="button" className="icon-button" aria-label={`Remove ${u.file.name}`} onClick={() => files.cancel(u.key)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {attachable && (
        <>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            data-testid="attach-input"
            onChange={(event) => {
              files.add([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
          <button type="button" className="icon-button composer__attach" aria-label="Attach files" onClick={() => fileInput.current?.click()}>
            📎
          </button>
        </>
      )}
      <label htmlFor={`${id}-message`} className="visually-hidden">
        Message
      </label>
      <textarea
        id={`${id}-message`}
        ref={input}
        rows={1}
        value={text}
        placeholder={`Message ${roomName}`}
        aria-describedby={problem ? `${id}-problem` : `${id}-hint`}
        aria-invalid={problem ? true : undefined}
        aria-autocomplete={members ? 'list' : undefined}
        aria-controls={suggestions.length > 0 ? `${id}-mentions` : undefined}
        aria-activedescendant={suggestions.length > 0 ? `${id}-mention-${Math.min(picked, suggestions.length - 1)}` : undefined}
        onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionStart);
          setProblem(undefined);
          resize(event.target);
          if (event.target.value.trim()) onTyping();
        }}
        onKeyDown={onKeyDown}
      />
      {suggestions.length > 0 && (
        <ul id={`${id}-mentions`} className="mention-suggestions" role="listbox" aria-label="Mention someone">
          {suggestions.map((name, index) => (
            <li
              key={name}
              id={`${id}-mention-${index}`}
              role="option"
              aria-selected={index === Math.min(picked, suggestions.length - 1)}
              onMouseDown={(event) => {
                event.preventDefault();
                complete(name);
              }}
            >
              @{name}
            </li>
          ))}
        </ul>
      )}
      <button type="submit" className="button button--primary" disabled={!canSend || left < 0}>
        Send
      </button>
      <p id={`${id}-hint`} className="composer__hint">
        {text.length >= SHOW_COUNT_FROM ? `${left} characters left. ` : ''}
        <span className="composer__keys">Enter to send, Shift+Enter for a new line.</span>
        {assistantName && <span className="composer__assistant"> Type @{assistantName} to ask the assistant.</span>}
      </p>
      {problem && (
        <p id={`${id}-problem`} className="field-error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

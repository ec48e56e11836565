import { type Attachment, LIMITS } from '@chat/protocol';
import { useContext, useId, useRef, useState, type ClipboardEvent, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
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
}

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ roomName, roomId, assistantName, onSend, onTyping, onEditLast }: ComposerProps) {
  const api = useContext(FileUploads);
  // Hooks run unconditionally; without a room (a thread's composer) nothing can be attached.
  const files = useUploads(api ?? { createUpload: () => Promise.reject(new Error('uploads are not available')) }, roomId ?? '');
  const attachable = roomId !== undefined && api !== undefined;
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const input = useRef<HTMLTextAreaElement>(null);
  const id = useId();

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
        onChange={(event) => {
          setText(event.target.value);
          setProblem(undefined);
          resize(event.target);
          if (event.target.value.trim()) onTyping();
        }}
        onKeyDown={onKeyDown}
      />
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

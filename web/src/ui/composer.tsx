import { LIMITS } from '@chat/protocol';
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

/** Beyond this many characters the composer shows how many are left. */
const SHOW_COUNT_FROM = LIMITS.bodyMax - 500;
const MAX_HEIGHT_PX = 200;

/** What the composer needs from the room. */
export interface ComposerProps {
  roomName: string;
  /** The room assistant's name, when this deployment runs one: the hint says how to ask it. */
  assistantName?: string;
  /** Sends the text; returns a problem to show (and keeps the text), or undefined when it went out. */
  onSend: (text: string) => string | undefined;
  /** Called on each edit that leaves text in the box (the caller throttles the typing signal). */
  onTyping: () => void;
  /** Up-arrow in an empty box: edit my last message. */
  onEditLast?: () => void;
}

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ roomName, assistantName, onSend, onTyping, onEditLast }: ComposerProps) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const input = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  const resize = (el: HTMLTextAreaElement) => {
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  };

  const submit = () => {
    if (!text.trim()) return;
    const error = onSend(text);
    setProblem(error);
    if (error) return;
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

  const left = LIMITS.bodyMax - text.length;
  return (
    <form className="composer" onSubmit={onSubmit}>
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
      <button type="submit" className="button button--primary" disabled={!text.trim() || left < 0}>
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

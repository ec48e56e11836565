import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { errorText } from '../ui/error-text';

/**
 * The room's topic under its name. Admins and the owner edit it in place: "Edit topic" ("Add a topic")
 * turns it into a field; Enter or leaving the field saves, Escape cancels. The saved topic comes back as
 * `room:updated`, which every member's header shows (a change by someone else drops a draft).
 */
export function RoomTopic({ topic, onSave }: { topic: string; onSave?: (topic: string) => Promise<void> }) {
  const [draft, setDraft] = useState<string>();
  const [error, setError] = useState<string>();
  const saving = useRef(false);
  useEffect(() => setDraft(undefined), [topic]);

  const save = async () => {
    if (draft === undefined || !onSave || saving.current) return;
    if (draft.trim() === topic) return setDraft(undefined);
    saving.current = true;
    setError(undefined);
    try {
      await onSave(draft.trim());
      setDraft(undefined);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      saving.current = false;
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') void save();
    if (event.key === 'Escape') {
      // Not the app's Escape (mark the room read): this one only cancels the edit.
      event.preventDefault();
      event.stopPropagation();
      setDraft(undefined);
      setError(undefined);
    }
  };

  if (draft !== undefined) {
    return (
      <div className="room__topic-editor">
        <input
          aria-label="Room topic"
          value={draft}
          maxLength={250}
          autoFocus
          placeholder="What is this room about?"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => void save()}
        />
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </div>
    );
  }
  return (
    <p className="room__topic">
      {topic && <span aria-label="Topic">{topic}</span>}
      {onSave && (
        <button type="button" className="link-button" onClick={() => setDraft(topic)}>
          {topic ? 'Edit topic' : 'Add a topic'}
        </button>
      )}
    </p>
  );
}

import { useEffect, useId, useRef, type ReactNode } from 'react';

/** A modal dialog's title, content, and how it is closed. */
export interface ModalProps {
  title: string;
  onClose: () => void;
  children: (ids: { titleId: string }) => ReactNode;
}

/**
 * A modal on the native <dialog>: the browser traps focus, closes it on Escape, and hides the page
 * behind it from screen readers. Mounted means open.
 */
export function Modal({ title, onClose, children }: ModalProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal?.();
    // showModal focuses the first focusable element, the Close button; the first field is where the
    // user wants to type (React's autoFocus ran before the dialog opened, so it is lost).
    el?.querySelector<HTMLElement>('input:not([type="radio"]), textarea, select')?.focus();
    return () => el?.close?.();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="modal"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="modal__header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {children({ titleId })}
    </dialog>
  );
}

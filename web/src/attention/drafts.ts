/** Per-room drafts of the composer, kept in localStorage across room switches and reloads. */
const key = (draftKey: string) => `chat.draft.${draftKey}`;

/** The saved draft ('' for none; storage blocked counts as none). */
export function loadDraft(draftKey: string | undefined): string {
  if (!draftKey) return '';
  try {
    return localStorage.getItem(key(draftKey)) ?? '';
  } catch {
    return '';
  }
}

/** Saves the draft (an empty one is removed). */
export function saveDraft(draftKey: string | undefined, text: string): void {
  if (!draftKey) return;
  try {
    if (text) localStorage.setItem(key(draftKey), text);
    else localStorage.removeItem(key(draftKey));
  } catch {
    // Storage full or blocked: the draft lives as long as the page.
  }
}

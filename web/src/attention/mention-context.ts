import { createContext } from 'react';

/** Who is reading, for highlighting mentions of them (null outside the signed-in app). */
export const MentionContext = createContext<{ id: string; username: string } | null>(null);

import { lazy, Suspense } from 'react';

/** The Markdown renderer (react-markdown, remark-gfm: most of the app's weight) in a chunk of its own. */
let loading: Promise<{ default: typeof import('./message-markdown').MessageMarkdown }> | undefined;
const load = () => (loading ??= import('./message-markdown').then((m) => ({ default: m.MessageMarkdown })));
const Loaded = lazy(load);

/** Starts loading the renderer (called once the chat opens), so messages rarely wait for it. */
export const preloadMarkdown = (): void => void load();

/** Resolves once the renderer is here (bodies then take their final height). */
export const markdownReady = (): Promise<void> => load().then(() => undefined);

/**
 * A message body as Markdown, rendered once the renderer's chunk is here; until then (the first moment
 * after login) the plain text, as React text: nothing the sender typed is interpreted either way.
 */
export function LazyMarkdown({ body, mentions }: { body: string; mentions?: readonly string[] }) {
  return (
    <Suspense
      fallback={
        <div className="markdown">
          <p>{body}</p>
        </div>
      }
    >
      <Loaded body={body} mentions={mentions} />
    </Suspense>
  );
}

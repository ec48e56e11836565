import { memo, useContext, useMemo } from 'react';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { MentionContext } from '../attention/mention-context';
import { remarkMentions } from '../attention/remark-mentions';

/** The Markdown a message may use; anything else (headings, images, tables) shows its text only. */
const ALLOWED = ['p', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'br', 'span'];

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
}

/**
 * Raw HTML in a message is text, never markup: without rehype-raw react-markdown would drop it silently,
 * so `<script>` or `<img onerror=…>` typed in a message would vanish; this shows it as typed instead.
 */
function htmlAsText() {
  const walk = (node: MdNode) => {
    if (node.type === 'html') node.type = 'text';
    node.children?.forEach(walk);
  };
  return (tree: MdNode) => walk(tree);
}

const components: Components = {
  // Links leave the app, without telling the target where they came from.
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow ugc">
      {children}
    </a>
  ),
};

/**
 * A message body as a safe Markdown subset: bold, italic, strikethrough, inline code, code blocks,
 * block quotes, lists and links (web addresses autolinked, GitHub style). Rendered to React elements
 * by react-markdown with raw HTML off: no HTML the sender typed is ever interpreted.
 */
export const MessageMarkdown = memo(function MessageMarkdown({ body, mentions }: { body: string; mentions?: readonly string[] }) {
  const reader = useContext(MentionContext);
  // Mentions as the server resolved them (`span` is allowed for these only: raw HTML is text).
  const highlight = useMemo(
    () => (reader ? remarkMentions({ me: reader.username, mentionsMe: mentions?.includes(reader.id) ?? false, resolved: (mentions?.length ?? 0) > 0 }) : undefined),
    [reader, mentions],
  );
  return (
    <div className="markdown">
      <Markdown remarkPlugins={highlight ? [remarkGfm, htmlAsText, highlight] : [remarkGfm, htmlAsText]} allowedElements={ALLOWED} unwrapDisallowed components={components} skipHtml={false}>
        {body}
      </Markdown>
    </div>
  );
});

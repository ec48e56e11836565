import { findMentions, mentionCandidates } from '@chat/protocol';

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
  data?: { hName?: string; hProperties?: Record<string, unknown> };
}

/** Who reads the message, and whether the server resolved any mention in it. */
export interface MentionHighlight {
  /** My username (any case). */
  me: string;
  /** The message's resolved mentions include me. */
  mentionsMe: boolean;
  /** The server resolved at least one mention: its `@names` are highlighted. */
  resolved: boolean;
}

/**
 * A remark plugin that wraps `@name` tokens of a message's text in `<span class="mention">` (mine, and
 * `@room` when it reached me, as `mention--me`). Code is never touched: inline code and code blocks are
 * nodes without text children. Only text is split; nothing typed becomes markup.
 */
export function remarkMentions(highlight: MentionHighlight) {
  const me = highlight.me.toLowerCase();
  const classOf = (name: string): string | undefined => {
    const names = mentionCandidates(name);
    if (names.includes(me) || (names.includes('room') && highlight.mentionsMe)) return 'mention mention--me';
    return highlight.resolved ? 'mention' : undefined;
  };
  const split = (node: MdNode): MdNode[] => {
    const text = node.value ?? '';
    const out: MdNode[] = [];
    let at = 0;
    for (const token of findMentions(text)) {
      const className = classOf(token.name);
      if (!className) continue;
      if (token.start > at) out.push({ type: 'text', value: text.slice(at, token.start) });
      out.push({ type: 'mention', data: { hName: 'span', hProperties: { className } }, children: [{ type: 'text', value: text.slice(token.start, token.end) }] });
      at = token.end;
    }
    if (out.length === 0) return [node];
    if (at < text.length) out.push({ type: 'text', value: text.slice(at) });
    return out;
  };
  const walk = (node: MdNode) => {
    if (!node.children || node.type === 'link') return;
    node.children = node.children.flatMap((child) => (child.type === 'text' ? split(child) : (walk(child), [child])));
  };
  return () => (tree: MdNode) => walk(tree);
}

import { useMemo } from 'react';
import { linkify } from '../chat/linkify';

/**
 * A message's text with its web addresses as links. Every piece is a React text node or an anchor
 * with text content: nothing the sender typed is ever interpreted as HTML.
 */
export function MessageBody({ body }: { body: string }) {
  const segments = useMemo(() => linkify(body), [body]);
  return (
    <>
      {segments.map((segment, index) =>
        segment.type === 'link' ? (
          <a key={index} href={segment.href} target="_blank" rel="noopener noreferrer nofollow ugc">
            {segment.text}
          </a>
        ) : (
          <span key={index}>{segment.text}</span>
        ),
      )}
    </>
  );
}

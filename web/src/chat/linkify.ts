/** A piece of a message body: plain text, or a web address to show as a link. */
export type BodySegment = { type: 'text'; text: string } | { type: 'link'; text: string; href: string };

// http(s) addresses and bare www. ones, up to the next whitespace or angle bracket / quote (which
// never end a URL someone typed in prose). Trailing punctuation is trimmed below.
const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;

/** Trims what ends a sentence rather than the URL: "see https://x.org/a." and "(https://x.org/a)". */
function trimUrl(raw: string): string {
  let url = raw.replace(TRAILING_PUNCTUATION, '');
  // A closing bracket belongs to the URL only if the URL opened one (Wikipedia-style paths).
  for (const [open, close] of [
    ['(', ')'],
    ['[', ']'],
  ] as const) {
    while (url.endsWith(close) && url.split(open).length < url.split(close).length) {
      url = url.slice(0, -1).replace(TRAILING_PUNCTUATION, '');
    }
  }
  return url;
}

/** The href for a matched address; only http and https ever become links (never javascript: or data:). */
function toHref(text: string): string | undefined {
  const candidate = /^www\./i.test(text) ? `https://${text}` : text;
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splits a message body into text and links. The UI renders each segment as a React text node or
 * an anchor whose text is the segment's text, so nothing a user typed is ever parsed as HTML.
 */
export function linkify(body: string): BodySegment[] {
  const segments: BodySegment[] = [];
  let last = 0;
  const pushText = (text: string) => {
    if (!text) return;
    const previous = segments[segments.length - 1];
    if (previous?.type === 'text') previous.text += text;
    else segments.push({ type: 'text', text });
  };
  for (const match of body.matchAll(URL_PATTERN)) {
    const start = match.index;
    const text = trimUrl(match[0]);
    const href = toHref(text);
    pushText(body.slice(last, start));
    if (href) segments.push({ type: 'link', text, href });
    else pushText(text);
    last = start + text.length;
  }
  pushText(body.slice(last));
  return segments;
}

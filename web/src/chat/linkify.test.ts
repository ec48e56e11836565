import { linkify } from './linkify';

describe('linkify', () => {
  it('turns http and https addresses into links and leaves the rest as text', () => {
    expect(linkify('see https://example.org/a?b=1#c and http://x.io')).toEqual([
      { type: 'text', text: 'see ' },
      { type: 'link', text: 'https://example.org/a?b=1#c', href: 'https://example.org/a?b=1#c' },
      { type: 'text', text: ' and ' },
      { type: 'link', text: 'http://x.io', href: 'http://x.io/' },
    ]);
  });

  it('links bare www. addresses over https', () => {
    expect(linkify('www.example.org')).toEqual([{ type: 'link', text: 'www.example.org', href: 'https://www.example.org/' }]);
  });

  it('leaves sentence punctuation and an enclosing parenthesis outside the link', () => {
    expect(linkify('(read https://example.org/page).')).toEqual([
      { type: 'text', text: '(read ' },
      { type: 'link', text: 'https://example.org/page', href: 'https://example.org/page' },
      { type: 'text', text: ').' },
    ]);
  });

  it('keeps parentheses that belong to the address', () => {
    const [segment] = linkify('https://en.wikipedia.org/wiki/Rust_(language)');
    expect(segment).toMatchObject({ type: 'link', text: 'https://en.wikipedia.org/wiki/Rust_(language)' });
  });

  it('never links javascript: or data: addresses', () => {
    expect(linkify('javascript:alert(1) data:text/html,<b>x</b>')).toEqual([
      { type: 'text', text: 'javascript:alert(1) data:text/html,<b>x</b>' },
    ]);
  });

  it('keeps markup as plain text, including markup inside an address', () => {
    expect(linkify('<script>alert(1)</script>')).toEqual([{ type: 'text', text: '<script>alert(1)</script>' }]);
    const segments = linkify('https://x.org/<img src=x onerror=alert(1)>');
    expect(segments[0]).toEqual({ type: 'link', text: 'https://x.org/', href: 'https://x.org/' });
    expect(segments[1]).toEqual({ type: 'text', text: '<img src=x onerror=alert(1)>' });
  });

  it('returns the body unchanged as one text segment when it has no address', () => {
    expect(linkify('line one\nline two')).toEqual([{ type: 'text', text: 'line one\nline two' }]);
    expect(linkify('')).toEqual([]);
  });
});

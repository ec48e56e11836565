/** @jest-environment jsdom */
import { render } from '@testing-library/react';
import { MessageBody } from './message-body';

describe('MessageBody', () => {
  it('shows markup a user typed as text and creates no element from it', () => {
    const body = '<script>window.pwned=1</script><img src=x onerror="window.pwned=1"><b>bold</b>';
    const { container } = render(<MessageBody body={body} />);
    expect(container.textContent).toBe(body);
    expect(container.querySelector('script, img, b')).toBeNull();
  });

  it('renders web addresses as links that open safely in a new tab', () => {
    const { container } = render(<MessageBody body="docs at https://example.org/guide." />);
    const link = container.querySelector('a');
    expect(link?.getAttribute('href')).toBe('https://example.org/guide');
    expect(link?.textContent).toBe('https://example.org/guide');
    expect(link?.getAttribute('rel')).toContain('noopener');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(container.textContent).toBe('docs at https://example.org/guide.');
  });

  it('never makes a javascript: link', () => {
    const { container } = render(<MessageBody body="javascript:alert(document.cookie)" />);
    expect(container.querySelector('a')).toBeNull();
  });
});

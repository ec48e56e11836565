/** @jest-environment jsdom */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { sentEntry } from '../chat/timeline';
import { ann, bob, message } from '../test-support/factories';
import { type MessageActionsApi, MessageActionsContext } from './message-actions-context';
import { MessageItem } from './message-item';
import { MessageMarkdown } from './message-markdown';

function actions(over: Partial<MessageActionsApi> = {}): MessageActionsApi {
  return {
    myId: ann.id,
    nameOf: (id) => (id === ann.id ? 'you' : 'bob'),
    toggleReaction: jest.fn(),
    openThread: jest.fn(),
    edit: jest.fn(async () => undefined),
    remove: jest.fn(async () => undefined),
    copyLink: jest.fn(),
    setEditing: jest.fn(),
    ...over,
  };
}

function renderLiving(m: ReturnType<typeof message>, api = actions()) {
  render(
    <MessageActionsContext.Provider value={api}>
      <ol>
        <MessageItem entry={sentEntry(m)} startsGroup mine={m.sender.id === ann.id} onRetry={jest.fn()} onDiscard={jest.fn()} />
      </ol>
    </MessageActionsContext.Provider>,
  );
  return { api, item: screen.getAllByRole('listitem')[0]! };
}

describe('Markdown in messages', () => {
  it('renders the safe subset: bold, italic, strikethrough, code, code blocks, quotes, lists, autolinks', () => {
    const { container } = render(<MessageMarkdown body={'**bold** *it* ~~gone~~ `code`\n\n```\nblock\n```\n\n> quoted\n\n- one\n- two\n\nsee https://example.org'} />);
    expect(container.querySelector('strong')?.textContent).toBe('bold');
    expect(container.querySelector('em')?.textContent).toBe('it');
    expect(container.querySelector('del')?.textContent).toBe('gone');
    expect(container.querySelector('pre code')?.textContent).toBe('block\n');
    expect(container.querySelector('blockquote')?.textContent?.trim()).toBe('quoted');
    expect(container.querySelectorAll('li')).toHaveLength(2);
    const link = container.querySelector('a')!;
    expect(link.getAttribute('href')).toBe('https://example.org');
    expect(link.getAttribute('rel')).toContain('noopener');
  });

  it('keeps markup inert: <script> and <img onerror> show as text, javascript: links are not followed', () => {
    const { container } = render(<MessageMarkdown body={'<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3))'} />);
    expect(container.querySelector('script, img')).toBeNull();
    expect(container.textContent).toContain('<script>alert(1)</script>');
    expect(container.textContent).toContain('<img src=x onerror="alert(2)">');
    for (const a of container.querySelectorAll('a')) expect(a.getAttribute('href') ?? '').not.toMatch(/^javascript:/i);
  });
});

describe('a living message', () => {
  it('shows "(edited)", reaction chips with mine highlighted and who reacted, and a click toggles mine', async () => {
    const m = message(1, { sender: bob, editedAt: '2026-11-27T12:01:00.000Z', reactions: [{ emoji: '👍', count: 2, userIds: [bob.id, ann.id] }, { emoji: '🎉', count: 1, userIds: [bob.id] }] });
    const { api, item } = renderLiving(m);
    expect(within(item).getByText('(edited)')).toBeTruthy();
    const chips = within(item).getAllByRole('button', { pressed: true });
    expect(chips).toHaveLength(1);
    expect(chips[0]!.getAttribute('title')).toBe('bob, you reacted with 👍');
    await userEvent.click(chips[0]!);
    expect(api.toggleReaction).toHaveBeenCalledWith(expect.objectContaining({ id: m.id }), '👍');
  });

  it('offers edit and delete (with confirmation) on my messages only, reply on top-level ones, and a reply summary', async () => {
    const mine = message(2, { sender: ann, replyCount: 3, lastReplyAt: new Date(Date.now() - 5 * 60_000).toISOString() });
    const { api, item } = renderLiving(mine);
    expect(within(item).getByRole('button', { name: /3 replies/ }).textContent).toContain('last reply 5 min ago');
    await userEvent.click(within(item).getByRole('button', { name: 'Delete message' }));
    expect(api.remove).not.toHaveBeenCalled();
    await userEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    expect(api.remove).toHaveBeenCalledWith(mine.id);
    await userEvent.click(within(item).getByRole('button', { name: 'Reply in thread' }));
    expect(api.openThread).toHaveBeenCalledWith(mine.id);
  });

  it('a message of someone else has no edit or delete; picking an emoji reacts', async () => {
    const theirs = message(3, { sender: bob });
    const { api, item } = renderLiving(theirs);
    expect(within(item).queryByRole('button', { name: 'Edit message' })).toBeNull();
    expect(within(item).queryByRole('button', { name: 'Delete message' })).toBeNull();
    await userEvent.click(within(item).getByRole('button', { name: 'Add reaction' }));
    await userEvent.type(screen.getByPlaceholderText('Search emoji'), 'tada');
    await userEvent.click(screen.getByRole('button', { name: 'React with tada' }));
    expect(api.toggleReaction).toHaveBeenCalledWith(expect.objectContaining({ id: theirs.id }), '🎉');
  });

  it('a fresh tombstone says "message deleted" with no body or actions; an old one is not shown', () => {
    const { item } = renderLiving(message(4, { sender: ann, body: '', deletedAt: new Date().toISOString() }));
    expect(item.textContent).toContain('message deleted');
    expect(within(item).queryByRole('toolbar')).toBeNull();
    const { container } = render(<MessageItem entry={sentEntry(message(5, { deletedAt: '2020-01-01T00:00:00.000Z' }))} startsGroup mine={false} onRetry={jest.fn()} onDiscard={jest.fn()} />);
    expect(container.textContent).toBe('');
  });
});

describe('display names (issue 16)', () => {
  it("shows the sender's display name where set, its username on hover, and the username otherwise", () => {
    const fromBob = message(1, { sender: bob });
    renderLiving(fromBob, actions({ senderName: (user) => (user.id === bob.id ? 'Bob Builder' : user.username) }));
    const sender = screen.getByText('Bob Builder');
    expect(sender.getAttribute('title')).toBe(`@${bob.username}`);
    expect(screen.queryByText(bob.username)).toBeNull();
  });

  it('falls back to the username without profiles', () => {
    renderLiving(message(1, { sender: bob }));
    expect(screen.getByText(bob.username).getAttribute('title')).toBeNull();
  });
});

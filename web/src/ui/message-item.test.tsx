/** @jest-environment jsdom */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { TimelineEntry } from '../chat/timeline';
import { ann, ROOM_ID } from '../test-support/factories';
import { MessageItem } from './message-item';

const entry = (overrides: Partial<TimelineEntry>): TimelineEntry => ({
  key: 'local:c1',
  clientMsgId: 'c1',
  roomId: ROOM_ID,
  body: 'hello there',
  sender: ann,
  createdAt: '2026-11-27T12:00:00.000Z',
  status: 'pending',
  ...overrides,
});

function renderItem(e: TimelineEntry, mine = true) {
  const onRetry = jest.fn();
  const onDiscard = jest.fn();
  render(
    <ol>
      <MessageItem entry={e} startsGroup mine={mine} onRetry={onRetry} onDiscard={onDiscard} />
    </ol>,
  );
  return { onRetry, onDiscard, item: screen.getByRole('listitem') };
}

describe('MessageItem', () => {
  it('shows the sender, the time and the text', () => {
    const { item } = renderItem(entry({ status: 'sent', id: 'm1' }), false);
    expect(within(item).getByText('ann')).toBeTruthy();
    expect(item.querySelector('time')?.getAttribute('dateTime')).toBe('2026-11-27T12:00:00.000Z');
    expect(within(item).getByText('hello there')).toBeTruthy();
  });

  it('shows my message as sending while pending', () => {
    const { item } = renderItem(entry({ status: 'pending' }));
    expect(within(item).getByRole('status').textContent).toBe('Sending…');
    expect(item.dataset.status).toBe('pending');
  });

  it('shows my message as sent after its ack', () => {
    const { item } = renderItem(entry({ status: 'sent', id: 'm1' }));
    expect(within(item).getByText('Sent')).toBeTruthy();
    expect(within(item).queryByRole('status')).toBeNull();
  });

  it('shows a failed message with its reason, a retry with its clientMsgId, and a discard', async () => {
    const { item, onRetry, onDiscard } = renderItem(
      entry({ status: 'failed', error: { code: 'UNAVAILABLE', message: 'No answer from the server' } }),
    );
    expect(within(item).getByRole('alert').textContent).toMatch(/Not sent: No answer from the server/);
    const user = userEvent.setup();
    await user.click(within(item).getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledWith('c1');
    await user.click(within(item).getByRole('button', { name: 'Discard' }));
    expect(onDiscard).toHaveBeenCalledWith('c1');
  });

  it('shows no delivery state on messages of others', () => {
    const { item } = renderItem(entry({ status: 'sent', id: 'm1' }), false);
    expect(within(item).queryByText('Sent')).toBeNull();
  });
});

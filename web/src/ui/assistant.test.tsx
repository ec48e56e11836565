/** @jest-environment jsdom */
import type { AssistantStreamEvent } from '@chat/protocol';
import { render, screen } from '@testing-library/react';
import { applyPiece, withStreamingReplies } from '../chat/assistant-replies';
import { EMPTY_TIMELINE } from '../chat/timeline';
import { ROOM_ID } from '../test-support/factories';
import { Composer } from './composer';
import { MessageList } from './message-list';

const bot = { id: '00000000-0000-7000-8000-00000000b07b', username: 'assistant' };

describe('the room assistant in the web app', () => {
  it('shows the composer hint only when the deployment runs an assistant', () => {
    const { rerender } = render(<Composer roomId="00000000-0000-7000-8000-000000000001" roomName="# general" onSend={() => undefined} onTyping={() => undefined} />);
    expect(screen.queryByText(/to ask the assistant/)).toBeNull();
    rerender(<Composer roomId="00000000-0000-7000-8000-000000000001" roomName="# general" assistantName="assistant" onSend={() => undefined} onTyping={() => undefined} />);
    expect(screen.getByText('Type @assistant to ask the assistant.', { exact: false })).toBeTruthy();
  });

  it('shows a reply being written as a bubble of the bot, as text (never HTML)', () => {
    const event: AssistantStreamEvent = { roomId: ROOM_ID, replyTo: '00000000-0000-7000-8000-000000000001', replyId: 'assistant-1', seq: 0, delta: 'Use <img src=x onerror=alert(1)> <b>bold</b>', done: false, sender: bot };
    const timeline = withStreamingReplies({ ...EMPTY_TIMELINE, historyLoaded: true, hasOlder: false }, applyPiece({}, event, new Date()), ROOM_ID);
    const { container } = render(
      <MessageList roomId={ROOM_ID} timeline={timeline} myUserId="someone-else" loadingOlder={false} onLoadOlder={() => undefined} onRetry={() => undefined} onDiscard={() => undefined} />,
    );
    const row = container.querySelector('[data-status="pending"]');
    expect(row?.textContent).toContain('assistant');
    expect(row?.textContent).toContain('Use <img src=x onerror=alert(1)> <b>bold</b>');
    expect(container.querySelector('img, b')).toBeNull();
    expect(screen.queryByText('Sending…')).toBeNull(); // not my message: no delivery state
  });
});

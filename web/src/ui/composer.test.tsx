/** @jest-environment jsdom */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Composer } from './composer';

function setup(onSend: (text: string) => string | undefined = () => undefined) {
  const send = jest.fn(onSend);
  const typing = jest.fn();
  render(<Composer roomId="00000000-0000-7000-8000-000000000001" roomName="# general" onSend={send} onTyping={typing} />);
  return { send, typing, box: screen.getByLabelText('Message') as HTMLTextAreaElement, user: userEvent.setup() };
}

describe('Composer', () => {
  it('sends on Enter and clears the box', async () => {
    const { send, box, user } = setup();
    await user.type(box, 'hello{Enter}');
    expect(send).toHaveBeenCalledWith('hello', []);
    expect(box.value).toBe('');
  });

  it('starts a new line on Shift+Enter without sending', async () => {
    const { send, box, user } = setup();
    await user.type(box, 'line one{Shift>}{Enter}{/Shift}line two');
    expect(send).not.toHaveBeenCalled();
    expect(box.value).toBe('line one\nline two');
    await user.click(screen.getByRole('button', { name: /send/i }));
    expect(send).toHaveBeenCalledWith('line one\nline two', []);
  });

  it('does not send blank text', async () => {
    const { send, box, user } = setup();
    await user.type(box, '   {Enter}');
    expect(send).not.toHaveBeenCalled();
    expect((screen.getByRole('button', { name: /send/i }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('keeps the text and shows the problem when the message is refused', async () => {
    const { box, user } = setup(() => 'message must not contain control characters');
    await user.type(box, 'bad{Enter}');
    expect(box.value).toBe('bad');
    expect(screen.getByRole('alert').textContent).toMatch(/control characters/);
  });

  it('reports typing while there is text', async () => {
    const { typing, box, user } = setup();
    await user.type(box, 'ab');
    expect(typing).toHaveBeenCalledTimes(2);
  });
});

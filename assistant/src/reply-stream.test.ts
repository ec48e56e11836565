import type { AssistantStreamInput } from '@chat/protocol';
import { ReplyStream } from './reply-stream';

const head = { roomId: '00000000-0000-4000-8000-000000000001', replyTo: '00000000-0000-4000-8000-000000000002', replyId: 'assistant-x' };

describe('ReplyStream', () => {
  afterEach(() => jest.useRealTimers());

  it('sends every piece at once with no interval, numbered in order, and closes with done', () => {
    const sent: AssistantStreamInput[] = [];
    const stream = new ReplyStream(head, (p) => sent.push(p), 0);
    stream.write('a');
    stream.write('b');
    stream.end();
    expect(sent.map((p) => [p.seq, p.delta, p.done])).toEqual([
      [0, 'a', false],
      [1, 'b', false],
      [2, '', true],
    ]);
    expect(stream.written).toBe('ab');
  });

  it('coalesces the pieces written within one interval into one', () => {
    jest.useFakeTimers();
    const sent: AssistantStreamInput[] = [];
    const stream = new ReplyStream(head, (p) => sent.push(p), 100);
    stream.write('one ');
    stream.write('two ');
    stream.write('three');
    expect(sent.map((p) => p.delta)).toEqual(['one ']);
    jest.advanceTimersByTime(100);
    expect(sent.map((p) => p.delta)).toEqual(['one ', 'two three']);
    stream.end();
    expect(sent.at(-1)).toMatchObject({ seq: 2, delta: '', done: true });
  });
});

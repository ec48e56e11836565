// The assistant against an OpenAI-compatible endpoint (server-sent events), end to end.
import crypto from 'node:crypto';
import type { ChatMessage, Room } from '@chat/protocol';
import { api, collect, connectSocket, eventually, registerUser, startSystem, type TestSystem } from '@chat/testing';
import { replyIdOf } from '../src/responder';
import { FakeModel, openAiAnswer } from './fake-model';

let system: TestSystem;
const model = new FakeModel();

beforeAll(async () => {
  await model.start();
  model.answerWith((_request, res) => openAiAnswer(res, ['Bonjour', ' à ', 'tous 👋']));
  system = await startSystem({
    gateways: 1,
    nginx: false,
    assistant: { env: { ASSISTANT_API: 'openai', ASSISTANT_URL: `${model.url}/v1`, ASSISTANT_MODEL: 'gpt-fake', ASSISTANT_API_KEY: 'sk-test-key', ASSISTANT_MAX_TOKENS: '32', ASSISTANT_NAME: 'helper' } },
  });
}, 180_000);

afterAll(async () => {
  await system?.stop();
  await model.stop();
});

it('streams an OpenAI-style answer into the room under the configured name, with the key as a bearer token', async () => {
  const alice = await registerUser(system.baseUrl);
  const created = await api<{ room: Room }>(system.baseUrl, 'POST', '/api/rooms', { token: alice.token, body: { name: 'openai', visibility: 'public' } });
  const socket = await connectSocket(system.baseUrl, alice.token);
  try {
    const pieces = collect(socket, 'assistant:stream');
    const messages = collect(socket, 'message:new');
    const result = await socket.timeout(15_000).emitWithAck('message:send', { roomId: created.body.room.id, body: '@HELPER greet everyone', clientMsgId: crypto.randomUUID() });
    if (!result.ok) throw new Error(result.error.message);
    const prompt: ChatMessage = result.message;
    const reply = (await eventually(async () => messages.find((m) => m.clientMsgId === replyIdOf(prompt.id)), (m) => m !== undefined, 20_000, 'the reply'))!;

    expect(reply.body).toBe('Bonjour à tous 👋');
    expect(reply.sender.username).toBe('helper');
    expect(pieces.map((p) => p.delta).join('')).toBe('Bonjour à tous 👋');
    expect(pieces.at(-1)?.done).toBe(true);
    const [request] = model.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test-key');
    expect(request?.body).toMatchObject({ model: 'gpt-fake', stream: true, max_tokens: 32 });
    expect(JSON.parse(request!.body.messages.at(-1)!.content)).toEqual({ from: alice.user.username, text: 'greet everyone' });
  } finally {
    socket.close();
  }
});

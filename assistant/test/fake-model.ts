// A stand-in for a language model server: a real HTTP server on loopback that speaks the streaming
// shapes of Ollama's /api/chat (NDJSON) and OpenAI's /v1/chat/completions (SSE). Each test decides
// how it answers, and it records every request it was sent, so tests assert on what the model got.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake model received. */
export interface ModelRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: {
    model: string;
    stream: boolean;
    messages: { role: string; content: string }[];
    options?: { num_predict?: number };
    max_tokens?: number;
  };
}

/** How the fake answers one request: write to `res` (or never end it). */
export type Responder = (request: ModelRequest, res: http.ServerResponse) => void | Promise<void>;

export class FakeModel {
  readonly requests: ModelRequest[] = [];
  private readonly server = http.createServer((req, res) => void this.receive(req, res));
  private responder: Responder = (_request, res) => ollamaAnswer(res, ['ok']);
  private readonly waiting: ((request: ModelRequest) => void)[] = [];

  /** Base URL (ASSISTANT_URL). */
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections(); // hanging answers (the timeout test) included
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Answers every request from now on with `responder`. */
  answerWith(responder: Responder): void {
    this.responder = responder;
  }

  /** The requests whose question (last turn) contains `text`. */
  requestsAsking(text: string): ModelRequest[] {
    return this.requests.filter((r) => r.body.messages.at(-1)?.content.includes(text));
  }

  private async receive(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const request: ModelRequest = { path: req.url ?? '', headers: req.headers, body: JSON.parse(raw) as ModelRequest['body'] };
    this.requests.push(request);
    await this.responder(request, res);
  }
}

/** Starts an Ollama-style NDJSON answer (status 200, chunked). */
export function ollamaHead(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  res.flushHeaders();
}

/** One Ollama stream line carrying `content`. */
export const ollamaLine = (content: string, done = false): string =>
  `${JSON.stringify({ model: 'fake', created_at: new Date().toISOString(), message: { role: 'assistant', content }, done })}\n`;

/** A whole Ollama answer made of `pieces`, then the closing `done: true` line. */
export function ollamaAnswer(res: http.ServerResponse, pieces: string[]): void {
  ollamaHead(res);
  for (const piece of pieces) res.write(ollamaLine(piece));
  res.end(ollamaLine('', true));
}

/** A whole OpenAI-style SSE answer made of `pieces`, then `data: [DONE]`. */
export function openAiAnswer(res: http.ServerResponse, pieces: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' } }] })}\n\n`);
  for (const piece of pieces) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: piece } }] })}\n\n`);
  res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
  res.end('data: [DONE]\n\n');
}

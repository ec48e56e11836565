import { AppError } from '@chat/service-kit';
import type { ModelApi } from './config';

/** One turn of the conversation sent to the model. */
export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Why a model call failed: what the reply tells the room, and the metric label. */
export type ModelFailure = 'timeout' | 'http' | 'protocol' | 'network';

/** A model call that produced no (complete) answer: the model is a dependency, so UNAVAILABLE. */
export class ModelError extends AppError {
  override name = 'ModelError';

  constructor(
    readonly failure: ModelFailure,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('UNAVAILABLE', message, options);
  }
}

/** A language model behind an HTTP endpoint, answering as a stream of text pieces. */
export interface ModelClient {
  /**
   * The answer to `turns`, piece by piece as the model writes it. Throws {@link ModelError}: `timeout`
   * when the whole answer takes longer than the configured timeout, `http` on a non-2xx status,
   * `protocol` on a body it cannot read, `network` when the endpoint cannot be reached.
   */
  stream(turns: ChatTurn[], signal?: AbortSignal): AsyncGenerator<string>;
}

/** Settings of {@link createModelClient}. */
export interface ModelClientOptions {
  api: ModelApi;
  /** Base URL: `http://localhost:11434` for Ollama; `https://host` or `https://host/v1` for OpenAI-compatible servers. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  maxTokens: number;
}

/** The request of each dialect: always built as an object and serialized by JSON.stringify, never spliced. */
const DIALECTS: Record<ModelApi, { path(base: string): string; body(o: ModelClientOptions, turns: ChatTurn[]): object; piece(line: string): Piece }> = {
  // https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion: NDJSON lines.
  ollama: {
    path: (base) => `${base}/api/chat`,
    body: (o, turns) => ({ model: o.model, messages: turns, stream: true, options: { num_predict: o.maxTokens } }),
    piece(line) {
      const chunk = parseJson(line) as { message?: { content?: unknown }; done?: unknown; error?: unknown };
      if (typeof chunk.error === 'string') throw new ModelError('http', `model error: ${chunk.error}`);
      const content = chunk.message?.content;
      return { text: typeof content === 'string' ? content : '', done: chunk.done === true };
    },
  },
  // OpenAI's chat completions with `stream: true`: server-sent events, `data: {...}` lines, then `data: [DONE]`.
  openai: {
    path: (base) => (/\/v1$/.test(base) ? `${base}/chat/completions` : `${base}/v1/chat/completions`),
    body: (o, turns) => ({ model: o.model, messages: turns, stream: true, max_tokens: o.maxTokens }),
    piece(line) {
      if (!line.startsWith('data:')) return { text: '', done: false }; // comments, `event:` and `id:` fields
      const data = line.slice(5).trim();
      if (data === '[DONE]') return { text: '', done: true };
      const chunk = parseJson(data) as { choices?: { delta?: { content?: unknown } }[]; error?: { message?: unknown } };
      if (chunk.error) throw new ModelError('http', `model error: ${String(chunk.error.message ?? 'unknown')}`);
      const content = chunk.choices?.[0]?.delta?.content;
      return { text: typeof content === 'string' ? content : '', done: false };
    },
  },
};

interface Piece {
  text: string;
  done: boolean;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModelError('protocol', 'the model endpoint sent a line that is not JSON', { cause: error });
  }
}

/** A client for an Ollama (`/api/chat`) or OpenAI-compatible (`/v1/chat/completions`) streaming endpoint. */
export function createModelClient(options: ModelClientOptions): ModelClient {
  const dialect = DIALECTS[options.api];
  const url = dialect.path(options.url);
  return {
    async *stream(turns, signal) {
      const deadline = AbortSignal.timeout(options.timeoutMs);
      const combined = signal ? AbortSignal.any([deadline, signal]) : deadline;
      const failure = (error: unknown): ModelError => {
        if (error instanceof ModelError) return error;
        if (deadline.aborted) return new ModelError('timeout', `no complete answer within ${options.timeoutMs} ms`, { cause: error });
        return new ModelError('network', 'the model endpoint could not be reached', { cause: error });
      };
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: options.api === 'openai' ? 'text/event-stream' : 'application/x-ndjson',
            ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
          },
          body: JSON.stringify(dialect.body(options, turns)),
          signal: combined,
        });
      } catch (error) {
        throw failure(error);
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        throw new ModelError('http', `the model endpoint answered HTTP ${response.status}`);
      }
      try {
        for await (const line of lines(response.body)) {
          const piece = dialect.piece(line);
          if (piece.text) yield piece.text;
          if (piece.done) return;
        }
      } catch (error) {
        throw failure(error);
      }
      // (Leaving the loop early, as a consumer that gives up does, cancels the body: the model stops too.)
      throw new ModelError('protocol', 'the model endpoint closed the stream before the answer was done');
    },
  };
}

/** The non-empty lines of a UTF-8 byte stream (a multi-byte character split across chunks stays whole). */
export async function* lines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (line.trim()) yield line;
    }
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield buffered.replace(/\r$/, '');
}

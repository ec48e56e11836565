import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** What became of one prompt. */
export type PromptOutcome = 'answered' | 'model_error' | 'timeout' | 'rate_limited' | 'duplicate';

/** The assistant's Prometheus metrics, on a registry of their own (served at /metrics). */
export interface AssistantMetrics {
  readonly registry: Registry;
  /** Prompts by outcome. */
  readonly prompts: Counter<'outcome'>;
  /** Seconds from the request to the model's first piece of text. */
  readonly firstTokenSeconds: Histogram<never>;
  /** Seconds from the request to the end of the answer (successful answers). */
  readonly answerSeconds: Histogram<never>;
  /** `assistant:stream` pieces sent to rooms. */
  readonly streamPieces: Counter<never>;
  /** Replies that could not be delivered to a gateway (the prompt is retried). */
  readonly deliveryFailures: Counter<never>;
}

/** Creates the metrics and the default process metrics (CPU, memory, event loop lag, GC). */
export function createMetrics(): AssistantMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  const metrics: AssistantMetrics = {
    registry,
    prompts: new Counter({ name: 'assistant_prompts_total', help: 'Prompts seen, by outcome', labelNames: ['outcome'], registers }),
    firstTokenSeconds: new Histogram({ name: 'assistant_first_token_seconds', help: 'Time to the first piece of the answer', buckets: seconds, registers }),
    answerSeconds: new Histogram({ name: 'assistant_answer_seconds', help: 'Time to the end of a successful answer', buckets: seconds, registers }),
    streamPieces: new Counter({ name: 'assistant_stream_pieces_total', help: 'assistant:stream pieces sent to rooms', registers }),
    deliveryFailures: new Counter({ name: 'assistant_delivery_failures_total', help: 'Replies a gateway did not accept (the prompt is retried)', registers }),
  };
  for (const outcome of ['answered', 'model_error', 'timeout', 'rate_limited', 'duplicate'] satisfies PromptOutcome[]) metrics.prompts.inc({ outcome }, 0);
  return metrics;
}

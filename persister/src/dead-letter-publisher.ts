import { DEAD_LETTER_HEADERS } from '@chat/protocol';
import type { IHeaders, Producer } from 'kafkajs';

/** A record that can never be stored, with where it came from and why. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The original record's headers, kept beside the dead-letter ones. */
  headers?: IHeaders;
  reason: string;
}

/** Where records that can never be stored go. The persister runs {@link KafkaDeadLetterPublisher}. */
export interface DeadLetterPublisher {
  /** Resolves once every letter is durable (acknowledged by all in-sync replicas). */
  publish(letters: readonly DeadLetter[]): Promise<void>;
}

/**
 * Publishes dead letters to the dead-letter topic with the original key and value untouched, so a
 * fixed consumer can replay them, and the reason and source coordinates as headers.
 */
export class KafkaDeadLetterPublisher implements DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.producer.send({
      topic: this.topic,
      // acks=-1: the offset of the source record moves on only after the letter is on every in-sync replica.
      acks: -1,
      messages: letters.map((letter) => ({
        key: letter.key,
        value: letter.value,
        headers: {
          ...letter.headers,
          [DEAD_LETTER_HEADERS.reason]: letter.reason,
          [DEAD_LETTER_HEADERS.sourceTopic]: letter.topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(letter.partition),
          [DEAD_LETTER_HEADERS.sourceOffset]: letter.offset,
        },
      })),
    });
  }
}

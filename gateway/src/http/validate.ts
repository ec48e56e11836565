import { describeIssue } from '@chat/protocol';
import type { z } from 'zod';
import { AppError } from '@chat/service-kit';

/** Parses input with a protocol schema; VALIDATION with the first problem, in words, otherwise. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new AppError('VALIDATION', describeIssue(result.error));
  return result.data;
}

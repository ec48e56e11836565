import { RetryAbortedError, retryWhileTransient } from './retry';

const transient = new Error('connection refused');
const fatal = new Error('syntax error');

describe('retryWhileTransient', () => {
  const options = (overrides = {}) => ({
    isTransient: (error: unknown) => error === transient,
    initialDelayMs: 1,
    maxDelayMs: 4,
    keepAlive: jest.fn(async () => undefined),
    shouldStop: () => false,
    ...overrides,
  });

  it('tries again after transient failures until the attempt succeeds', async () => {
    const attempt = jest.fn<Promise<string>, []>().mockRejectedValueOnce(transient).mockRejectedValueOnce(transient).mockResolvedValue('done');
    const onRetry = jest.fn();
    await expect(retryWhileTransient(attempt, options({ onRetry }))).resolves.toBe('done');
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(onRetry.mock.calls.map(([, n]) => n)).toEqual([1, 2]);
  });

  it('keeps every wait between the initial delay and the cap', async () => {
    const attempt = jest.fn<Promise<string>, []>();
    for (let i = 0; i < 12; i++) attempt.mockRejectedValueOnce(transient);
    attempt.mockResolvedValue('done');
    const delays: number[] = [];
    await retryWhileTransient(attempt, options({ onRetry: (_e: unknown, _n: number, ms: number) => delays.push(ms) }));
    expect(delays).toHaveLength(12);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4);
  });

  it('throws a failure that is not transient at once', async () => {
    const attempt = jest.fn<Promise<string>, []>().mockRejectedValue(fatal);
    await expect(retryWhileTransient(attempt, options())).rejects.toBe(fatal);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('calls keepAlive while waiting and gives up with RetryAbortedError once told to stop', async () => {
    let stop = false;
    const keepAlive = jest.fn(async () => void (stop = true));
    const attempt = jest.fn<Promise<string>, []>().mockRejectedValue(transient);
    const failure = retryWhileTransient(attempt, options({ keepAlive, shouldStop: () => stop, maxDelayMs: 60_000, initialDelayMs: 60_000 }));
    await expect(failure).rejects.toBeInstanceOf(RetryAbortedError);
    await expect(failure).rejects.toMatchObject({ cause: transient });
    expect(keepAlive).toHaveBeenCalledTimes(1);
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});

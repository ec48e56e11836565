import { createLogger } from './logger';
import { onShutdown } from './shutdown';

const log = createLogger({ service: 'test', level: 'silent' });

describe('onShutdown', () => {
  it('runs the steps in order once, and exits 0 when all finished', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    const shutdown = onShutdown({
      log,
      graceMs: 1_000,
      signals: [],
      exit: (code) => codes.push(code),
      steps: [
        { name: 'drain', run: () => void order.push('drain') },
        { name: 'stop', run: async () => void order.push('stop') },
      ],
    });
    await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    expect([order, codes, shutdown.stopping]).toEqual([['drain', 'stop'], [0], true]);
  });

  it('goes on past a failed or hung step, so that the connections are still closed, and exits 1', async () => {
    const order: string[] = [];
    const codes: number[] = [];
    const started = Date.now();
    await onShutdown({
      log,
      graceMs: 100,
      stepFloorMs: 50,
      signals: [],
      exit: (code) => codes.push(code),
      steps: [
        { name: 'fails', run: () => Promise.reject(new Error('boom')) },
        { name: 'hangs', run: () => new Promise(() => {}) },
        { name: 'disconnect', run: () => void order.push('disconnect') },
      ],
    }).run('test');
    expect([order, codes]).toEqual([['disconnect'], [1]]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

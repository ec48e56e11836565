import { Writable } from 'node:stream';
import { createLogger, moduleLogger } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one format: ISO time, level name, service and service.module names', () => {
    const { lines, destination } = capture();
    const log = moduleLogger(createLogger({ service: 'persister', level: 'info', destination }), 'batch');
    log.info({ partition: 3 }, 'inserted');
    expect(lines[0]).toMatchObject({ level: 'info', service: 'persister', module: 'persister.batch', partition: 3, msg: 'inserted' });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('redacts credentials wherever they sit', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'gateway', level: 'info', destination });
    log.info({ req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1' } }, token: 't', user: { password: 'p', apiKey: 'k' } }, 'request');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['Bearer abc', 'sid=1', '"t"', '"p"', '"k"']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});

import http from 'node:http';
import { LatencyRecorder } from './latency';

/**
 * An open loop of authenticated GET requests through nginx over keep-alive connections: requests go
 * out at a fixed rate whatever the answers' latency (a closed loop would slow down with the system and
 * hide its queueing), each timed from when it went out (at most 5 ms after it was due).
 */
export class HttpLoad {
  readonly latency = new LatencyRecorder();
  readonly errors: Record<string, number> = {};
  completed = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = new URL(baseUrl);
  }

  /** One GET; resolves with the parsed body of a 200, or undefined (the failure is counted). */
  get<T>(path: string): Promise<T | undefined> {
    return this.request(path, true).then((body) => (body === undefined ? undefined : (JSON.parse(body) as T)));
  }

  /**
   * One GET timed and checked for its status like {@link get}, its body read to the end and dropped:
   * for loads whose answers are checked on a sample (parsing a 70 KB answer costs the generator ~0.85 ms,
   * a third of a core at 200 requests/s, on the cores the system under test runs on).
   */
  hit(path: string): Promise<boolean> {
    return this.request(path, false).then((body) => body !== undefined);
  }

  /** The body's text of a 200 (empty unless `keep`), or undefined (the failure is counted). */
  private request(path: string, keep: boolean): Promise<string | undefined> {
    const started = performance.now();
    return new Promise((resolve) => {
      const fail = (reason: string) => {
        this.errors[reason] = (this.errors[reason] ?? 0) + 1;
        resolve(undefined);
      };
      const req = http.request({ agent: this.agent, host: this.base.hostname, port: this.base.port, path, headers: { authorization: `Bearer ${this.token}` } }, (res) => {
        const parts: Buffer[] = [];
        if (keep) res.on('data', (part: Buffer) => parts.push(part));
        else res.resume();
        res.on('end', () => {
          this.latency.record(performance.now() - started);
          this.completed++;
          if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}`);
          resolve(keep ? Buffer.concat(parts).toString('utf8') : '');
        });
      });
      req.on('error', (error) => fail(error.message));
      req.end();
    });
  }

  /** Fires `request(i)` `ratePerSecond` times a second for `seconds`; resolves with the seconds it took, all answered. */
  async openLoop(ratePerSecond: number, seconds: number, request: (i: number) => Promise<unknown>): Promise<number> {
    const inFlight: Promise<unknown>[] = [];
    const interval = 1000 / ratePerSecond;
    const total = Math.round(seconds * ratePerSecond);
    const start = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
        while (sent < due) inFlight.push(request(sent++));
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await Promise.all(inFlight);
    return (performance.now() - start) / 1000;
  }

  /** The failures, as the report prints them. */
  errorText(): string {
    return Object.entries(this.errors).map(([k, v]) => `${k} ${v}`).join(', ') || '0';
  }

  close(): void {
    this.agent.destroy();
  }
}

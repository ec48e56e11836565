/**
 * Which members' sockets closed, when and with which WebSocket close code: a socket the gateway closed
 * (a missed pong: the load generator's event loop stalled past PING_INTERVAL_MS + PING_TIMEOUT_MS) cannot
 * receive what is sent after, and the raw load generator does not reconnect. Deliveries owed to such a
 * member are the generator's, not the product's loss: the traffic step reports them on their own line.
 */
export class SocketCloses {
  private readonly at = new Map<number, { at: number; code: number }>();

  /** Notes that the socket of this user (index) closed now. */
  closed(userIndex: number, code: number): void {
    if (!this.at.has(userIndex)) this.at.set(userIndex, { at: performance.now(), code });
  }

  /** True if the user's socket closed (at any time before now). */
  has(userIndex: number): boolean {
    return this.at.has(userIndex);
  }

  /** Closes since `since` (performance.now() time), by close code. */
  since(since: number): { count: number; byCode: Record<string, number> } {
    const byCode: Record<string, number> = {};
    let count = 0;
    for (const { at, code } of this.at.values()) {
      if (at < since) continue;
      count++;
      byCode[code] = (byCode[code] ?? 0) + 1;
    }
    return { count, byCode };
  }

  /** How many sockets closed in all. */
  get size(): number {
    return this.at.size;
  }
}

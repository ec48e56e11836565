/** A token bucket refilled every second: cheap, local protection against a socket flooding events. */
export class EventBudget {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * One budget per user on this gateway, shared by all of the user's sockets here: opening more sockets
 * buys no more events (a user with 20 sockets had 20 budgets). Counted per gateway, at no Redis cost;
 * with sticky sessions and MAX_SOCKETS_PER_USER, a user's sockets spread over few gateways.
 */
export class UserBudgets {
  private readonly budgets = new Map<string, { budget: EventBudget; sockets: number }>();

  constructor(private readonly perSecond: number) {}

  /** The user's shared budget; pair every call with one `release`. */
  acquire(userId: string): EventBudget {
    const entry = this.budgets.get(userId) ?? { budget: new EventBudget(this.perSecond), sockets: 0 };
    entry.sockets += 1;
    this.budgets.set(userId, entry);
    return entry.budget;
  }

  release(userId: string): void {
    const entry = this.budgets.get(userId);
    if (entry && --entry.sockets <= 0) this.budgets.delete(userId);
  }
}

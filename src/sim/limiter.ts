// Bounded concurrency for the simulator's API writes: thousands of nodes and pods share a
// few dozen requests in flight, so a burst (registration, a wave of bindings) queues here
// instead of opening thousands of sockets or timing out inside the HTTP agent.

export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new Error('Limiter: limit must be at least 1');
  }

  get pending(): number {
    return this.waiting.length + this.active;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

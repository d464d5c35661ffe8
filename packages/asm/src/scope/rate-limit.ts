// Token bucket: `perSecond` starts per second on average, bursts up to `burst`.
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly burst = Math.max(1, Math.ceil(perSecond / 10)),
  ) {
    if (!(perSecond > 0)) throw new Error(`rate must be positive, got ${perSecond}`);
    this.tokens = this.burst;
    this.last = performance.now();
  }

  /** Resolves when one token is available; callers queue in order. */
  take(): Promise<void> {
    const next = this.queue.then(() => this.wait());
    this.queue = next;
    return next;
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
    }
  }
}

// A global stop: once pulled, every scope check refuses and running scans wind down.
export class StopSwitch {
  private reason: string | null = null;
  private readonly listeners = new Set<(reason: string) => void>();

  stop(reason: string): void {
    if (this.reason !== null) return;
    this.reason = reason;
    for (const l of this.listeners) l(reason);
  }

  reset(): void {
    this.reason = null;
  }

  get stopped(): boolean {
    return this.reason !== null;
  }

  get stopReason(): string | null {
    return this.reason;
  }

  onStop(listener: (reason: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Process-wide switch, for an operator's "stop everything". */
export const globalStopSwitch = new StopSwitch();

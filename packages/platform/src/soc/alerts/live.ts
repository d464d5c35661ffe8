// In-process fan-out of alert changes to live subscribers (the console's server-sent-events stream).
// Each subscriber filters by its own policy scope; a slow subscriber's queue is bounded (oldest dropped).
import type { AlertChange } from './model.js';

export type AlertListener = (change: AlertChange) => void;

export class AlertBus {
  private readonly listeners = new Set<AlertListener>();

  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  publish(changes: AlertChange[]): void {
    if (this.listeners.size === 0) return;
    for (const c of changes) {
      for (const l of this.listeners) {
        try {
          l(c);
        } catch {
          // A broken subscriber must not stop detection; its stream closes on its own.
        }
      }
    }
  }
}

// In-process fan-out of alert changes to live subscribers (the console's server-sent-events stream).
// Each subscriber filters by its own policy scope; a slow subscriber's queue is bounded (oldest dropped).
import type { AlertChange } from './model.js';

export type AlertListener = (change: AlertChange) => void;

export class AlertBus {
  private readonly listeners = new Set<AlertListener>();
  /** Forwards local changes to other processes (distributed mode). */
  private forward: ((changes: AlertChange[]) => void) | null = null;

  attach(forward: (changes: AlertChange[]) => void): void {
    this.forward = forward;
  }

  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Changes made in this process: to local subscribers and, when attached, to the other processes. */
  publish(changes: AlertChange[]): void {
    if (changes.length === 0) return;
    this.forward?.(changes);
    this.deliver(changes);
  }

  /** To local subscribers only (changes relayed from another process). */
  deliver(changes: AlertChange[]): void {
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

// Distributed mode (queue.driver nats): alert changes made by one process reach the live streams served by
// the others. Plain NATS publish/subscribe (no JetStream): the stream is a live view, best effort; the alert
// list in the database stays the record. Each process skips its own messages (origin id).
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection, type Subscription } from 'nats';
import type { Logger } from 'pino';
import type { AlertBus } from './live.js';
import type { AlertChange } from './model.js';

export const alertSubject = (stream: string) => `mamori.alerts.${stream}`;

export class NatsAlertRelay {
  private readonly origin = randomUUID();
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder();
  private sub: Subscription | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly bus: AlertBus,
    private readonly logger: Logger,
  ) {}

  static async open(url: string, stream: string, bus: AlertBus, logger: Logger): Promise<NatsAlertRelay> {
    const nc = await connect({ servers: url, name: 'mamori-soc-alerts', maxReconnectAttempts: -1 });
    const relay = new NatsAlertRelay(nc, alertSubject(stream), bus, logger);
    relay.sub = nc.subscribe(relay.subject, {
      callback: (err, msg) => {
        if (err) return;
        try {
          const m = JSON.parse(relay.dec.decode(msg.data)) as { origin: string; changes: AlertChange[] };
          if (m.origin !== relay.origin && Array.isArray(m.changes)) relay.bus.deliver(m.changes);
        } catch (e) {
          relay.logger.warn({ err: e }, 'unreadable alert change on NATS');
        }
      },
    });
    // The subscription is registered with the server before anyone relies on it.
    await nc.flush();
    bus.attach((changes) => relay.publish(changes));
    return relay;
  }

  publish(changes: AlertChange[]): void {
    try {
      this.nc.publish(this.subject, this.enc.encode(JSON.stringify({ origin: this.origin, changes })));
    } catch (err) {
      this.logger.warn({ err }, 'alert change not relayed');
    }
  }

  async close(): Promise<void> {
    this.sub?.unsubscribe();
    await this.nc.drain().catch(() => undefined);
  }
}

// Detection, alerts and notification wired together: what the platform exposes as platform.soc.detection
// (the pipeline's DetectionStage, with rule-set enablement), platform.soc.alerts and platform.soc.notify.
import type { Deps } from '../../context.js';
import type { RequestContext } from '../../types.js';
import { AlertBus } from '../alerts/live.js';
import { NatsAlertRelay } from '../alerts/relay.js';
import { AlertServiceImpl } from '../alerts/service.js';
import { AlertWriter } from '../alerts/store.js';
import { ContactServiceImpl } from '../notify/contacts.js';
import { Notifier } from '../notify/notifier.js';
import { RuleSetServiceImpl } from './rulesets.js';
import { RuleSetCatalogue } from './sigma.js';
import { SocDetection } from './stage.js';

export interface SocNotify {
  contacts: ContactServiceImpl;
  /** Escalates overdue alerts now (the detection stage's tick does this every few seconds). */
  escalate(): Promise<number>;
  /** Resolves when every notification started so far has been delivered or has failed. */
  idle(): Promise<void>;
  /** Continues deliveries cut during their backoff (run by the detection stage at start). */
  resume(): Promise<number>;
}

export interface SocAlerting {
  detection: SocDetection;
  alerts: AlertServiceImpl;
  notify: SocNotify;
}

export function createSocAlerting(d: Deps): SocAlerting {
  const bus = new AlertBus();
  const catalogue = new RuleSetCatalogue();
  const ruleSets = new RuleSetServiceImpl(d, catalogue);
  const notifier = new Notifier(d, bus);
  const system: RequestContext = { actor: { kind: 'system', name: 'soc-detection' }, sourceIp: '127.0.0.1' };
  const writer = new AlertWriter(d, system);
  const detection = new SocDetection(d, catalogue, ruleSets, writer, bus, notifier);
  const alerts = new AlertServiceImpl(d, bus);
  detection.decorate = (items) => alerts.named(items);
  if (d.config.queue.driver === 'nats') {
    // Distributed mode: alert changes of every process reach every process's live streams.
    const relay = NatsAlertRelay.open(d.config.queue.natsUrl, d.config.soc.natsStream, bus, d.logger).catch(
      (err: unknown) => {
        d.logger.error({ err }, 'alert changes are not relayed between processes (NATS unreachable)');
        return null;
      },
    );
    alerts.liveReady = async () => (await relay) !== null;
    detection.onClose(async () => {
      await (await relay)?.close();
    });
  }
  return {
    detection,
    alerts,
    notify: {
      contacts: new ContactServiceImpl(d),
      escalate: () => notifier.escalate(),
      idle: () => notifier.idle(),
      resume: () => notifier.resumePending(),
    },
  };
}

export type { SocDetection, DetectionStats } from './stage.js';
export type { Hit, HitEvent } from './hit.js';
export type { PrefectureRuleSets, LogsourceRuleSets, RuleSetState } from './rulesets.js';
export { webhookSignature, type WebhookPayload } from '../notify/notifier.js';
export type {
  AckDeadlines,
  SocContact,
  ContactInput,
  ContactUpdate,
  ContactRole,
} from '../notify/contacts.js';
export type {
  AlertQuery,
  AlertAction,
  AlertActionInput,
  AlertDetail,
  AlertComment,
  AlertEvidence,
  IncidentRequest,
  NotificationRecord,
  NotificationQuery,
  AlertSort,
} from '../alerts/service.js';
export type { SocAlert, AlertStatus, AlertChange } from '../alerts/model.js';
export { alertStatuses } from '../alerts/model.js';

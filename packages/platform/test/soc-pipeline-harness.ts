// A SocPipeline on test doubles, for the tests of its scheduling: a queue of numbered batches of netfilter lines
// (ids `<prefix>-<batch>-<i>`, checkpoint = batch number) and no attribution rules or directory.
import { pino } from 'pino';
import { SocPipeline } from '../src/soc/pipeline/pipeline.js';
import type { PipelineStore } from '../src/soc/pipeline/store.js';
import type { QueueSource, SourceBatch } from '../src/soc/queue/source.js';
import type { AttributionMatcher } from '../src/soc/attribution/matcher.js';
import type { OrgDirectory } from '../src/orgs/directory.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function numberedBatches(o: {
  prefix: string;
  batches: number;
  per: number;
  /** Batches that come from a deduplicating queue (JetStream); none by default. */
  dedupe?: (batch: number) => boolean;
}): QueueSource {
  let n = 0;
  return {
    consumer: o.prefix,
    sole: false,
    async start() {},
    async next(): Promise<SourceBatch | null> {
      if (n >= o.batches) {
        await sleep(5);
        return null;
      }
      const b = n++;
      return {
        items: Array.from({ length: o.per }, (_, i) => ({
          pos: b * o.per + i,
          id: `${o.prefix}-${b}-${i}`,
          record: {
            line: `<134>Nov 25 10:00:00 fw01 kernel: [1.0] DROP IN=eth0 OUT= SRC=192.0.2.${i + 1} DST=198.51.100.1 LEN=60 PROTO=TCP SPT=40000 DPT=${b}`,
            format: 'netfilter',
            transport: 'syslog-udp',
            peer: '192.0.2.250',
            receivedAt: Date.now(),
          },
        })),
        checkpoint: b,
        dedupe: o.dedupe?.(b) ?? false,
        async ack() {},
        async nak() {},
      };
    },
    async close() {},
  };
}

/** The batch number of an event of numberedBatches. */
export const batchOf = (e: { id: string }) => Number(e.id.split('-')[1]);

export function testPipeline(store: PipelineStore, source: QueueSource, batchSize: number): SocPipeline {
  const matcher = {
    attribute: () => ({ organizationId: null, reason: 'no rule' }),
  } as unknown as AttributionMatcher;
  return new SocPipeline({
    store,
    source,
    matcherFor: () => matcher,
    directory: { get: async () => null } as unknown as OrgDirectory,
    logger: pino({ level: 'silent' }),
    defaultPrefectureId: 'lg220001',
    batchSize,
  });
}

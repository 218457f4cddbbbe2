import { expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config/index.js';
import { BusUnavailableError } from '../../server/src/ingest/bus.js';
import type { IngestEvent } from '../../server/src/ingest/event.js';
import { KafkaUnavailableError } from '../../server/src/ingest/kafka/kafka.client.js';
import { createKafkaBus } from '../../server/src/ingest/kafka/kafka-bus.js';
import { createLogger } from '../../server/src/log.js';
import { freePort } from '../kafka/postgres.js';

// No broker listens on this port: the bus must say so, quickly, and never pretend to accept.
async function busWithoutBroker() {
  const port = await freePort();
  const config = loadConfig({ KAFKA_BROKERS: `127.0.0.1:${port}`, KAFKA_PUBLISH_TIMEOUT_MS: '1500', CAIRN_LOG_LEVEL: 'silent' });
  return { port, bus: createKafkaBus({ config, log: createLogger(config) }) };
}

const event = (): IngestEvent => ({
  uuid: crypto.randomUUID(),
  projectId: crypto.randomUUID(),
  orgId: crypto.randomUUID(),
  event: 'e',
  distinctId: 'd',
  timestamp: new Date().toISOString(),
  receivedAt: new Date().toISOString(),
  properties: {},
  flags: [],
});

it('start() fails with an error naming the unreachable brokers', async () => {
  const { port, bus } = await busWithoutBroker();
  const err = await bus.start().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(KafkaUnavailableError);
  expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  await bus.stop();
});

it('publish() rejects with BusUnavailableError (the gateway answers 503), bounded by KAFKA_PUBLISH_TIMEOUT_MS', async () => {
  const { bus } = await busWithoutBroker();
  const results = await Promise.allSettled([bus.publish([event()]), bus.publish([event(), event()])]);
  for (const r of results) {
    expect(r.status).toBe('rejected');
    expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BusUnavailableError);
  }
  await bus.stop();
});

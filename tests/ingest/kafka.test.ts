import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaConsumerModule } from '../../server/src/ingest/kafka/consumer.module.js';
import { HEADER } from '../../server/src/ingest/kafka/message.codec.js';
import { apiModules } from '../../server/src/modules.js';
import { ensureBroker, uniqueKafkaEnv, waitFor } from '../kafka/broker.js';
import { INIT, startTestCairn, type TestCairn } from '../support/cairn.js';
import { chRows, deadLetters, postJson, TOKEN } from './helpers.js';

// `cairn start` with KAFKA_BROKERS: the gateway publishes to a real Kafka broker and the
// consumer in the same process writes into chDB.
let cairn: TestCairn;
let brokers: string;
const topics = uniqueKafkaEnv('kafka_start');

beforeAll(async () => {
  brokers = await ensureBroker();
  cairn = await startTestCairn(
    { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PARTITIONS: '3', KAFKA_SESSION_TIMEOUT_MS: '6000', ...topics, ...INIT },
    { modules: (deps) => [...apiModules(deps), kafkaConsumerModule(deps)] },
  );
});

afterAll(() => cairn?.destroy());

const countOf = async (distinctId: string) =>
  Number((await chRows<{ n: string }>(cairn, 'SELECT count() AS n FROM ${db}.events FINAL WHERE distinct_id = {d:String}', { d: distinctId }))[0]!.n);

describe('capture through Kafka into ClickHouse', () => {
  it('creates the configured topics with the configured partitions', async () => {
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [topics.KAFKA_TOPIC_EVENTS!, topics.KAFKA_TOPIC_DEAD_LETTER!] });
      expect(meta.map((t) => [t.name, t.partitions.length]).sort()).toEqual(
        [
          [topics.KAFKA_TOPIC_DEAD_LETTER, 3],
          [topics.KAFKA_TOPIC_EVENTS, 3],
        ].sort(),
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('acknowledges a batch and every event becomes queryable exactly once, with its fields', async () => {
    const user = `kafka-user-${randomUUID()}`;
    const batch = Array.from({ length: 25 }, (_, i) => ({
      event: i % 2 ? 'page viewed' : 'signed up',
      distinct_id: user,
      uuid: randomUUID(),
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      properties: { i, 'ünïcode ✓': 'värde ☃', nested: { a: [1, 2] } },
    }));
    const res = await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, batch });
    expect(res.status).toBe(200);
    expect(res.json.data.accepted).toBe(25);

    await waitFor('25 events in ClickHouse', async () => (await countOf(user)) === 25);
    const rows = await chRows<{ uuid: string; event: string; timestamp: string; properties: string }>(
      cairn,
      'SELECT uuid, event, timestamp, properties FROM ${db}.events FINAL WHERE distinct_id = {d:String} ORDER BY timestamp',
      { d: user },
    );
    expect(rows.map((r) => r.uuid)).toEqual(batch.map((b) => b.uuid));
    expect(rows[3]!.event).toBe('page viewed');
    expect(JSON.parse(rows[3]!.properties)).toMatchObject({ i: 3, 'ünïcode ✓': 'värde ☃', nested: { a: [1, 2] } });
  });

  it('re-sending the same events (same uuids) does not duplicate them', async () => {
    const user = `kafka-retry-${randomUUID()}`;
    const batch = Array.from({ length: 5 }, (_, i) => ({ event: 'retried', distinct_id: user, uuid: randomUUID(), properties: { i } }));
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, batch })).status).toBe(200);
    }
    // A marker sent after the retries: once it is stored, every earlier message was consumed.
    const marker = `kafka-retry-marker-${randomUUID()}`;
    expect((await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, event: 'marker', distinct_id: marker })).status).toBe(200);
    await waitFor('the marker', async () => (await countOf(marker)) === 1);
    await waitFor('the retried events', async () => (await countOf(user)) === 5);
    const [row] = await chRows<{ n: string; u: string }>(
      cairn,
      'SELECT count() AS n, uniqExact(uuid) AS u FROM ${db}.events FINAL WHERE distinct_id = {d:String}',
      { d: user },
    );
    expect([Number(row!.n), Number(row!.u)]).toEqual([5, 5]);
  });

  it('sends an undecodable message to the dead-letter topic and table, and keeps consuming', async () => {
    const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const projectId = (await chRows<{ p: string }>(cairn, 'SELECT toString(project_id) AS p FROM ${db}.events LIMIT 1'))[0]!.p;
    const orgId = randomUUID();
    const invalid = JSON.stringify({ uuid: 'not-a-uuid', projectId, orgId, event: '', distinctId: 'x', timestamp: 'soon', receivedAt: 'now', properties: {}, flags: [] });
    const after = `kafka-after-poison-${randomUUID()}`;
    try {
      await producer.send({
        topic: topics.KAFKA_TOPIC_EVENTS!,
        messages: [
          { key: 'poison-1', value: '{"truncated": ', headers: { [HEADER.projectId]: projectId, [HEADER.orgId]: orgId } },
          { key: 'poison-2', value: invalid },
          { key: 'poison-3', value: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    expect((await postJson(cairn.url, '/api/v1/capture', { token: TOKEN, event: 'after poison', distinct_id: after })).status).toBe(200);
    await waitFor('the event sent after the poison', async () => (await countOf(after)) === 1);

    const rows = await waitFor('three dead letters', async () => {
      const r = (await deadLetters(cairn)).filter((d) => d.source === 'kafka');
      return r.length >= 3 ? r : undefined;
    });
    const byPayload = new Map(rows.map((r) => [r.payload, r]));
    expect(byPayload.get('{"truncated": ')).toMatchObject({ reason: 'unparseable_message', project_id: projectId });
    expect(byPayload.get(invalid)).toMatchObject({ reason: 'invalid_event', project_id: projectId });
    expect(byPayload.get(invalid)!.detail).toMatch(/uuid/);
    expect(byPayload.get(`base64:${Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64')}`)).toMatchObject({
      reason: 'unparseable_message',
      project_id: '00000000-0000-0000-0000-000000000000',
    });

    // …and on the dead-letter topic, with the reason in a header.
    const consumer = kafka.consumer({ groupId: `dl-reader-${randomUUID()}` });
    const seen: Array<{ key: string; reason: string }> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topics.KAFKA_TOPIC_DEAD_LETTER!], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ key: String(message.key), reason: String(message.headers?.[HEADER.reason]) });
        },
      });
      await waitFor('three dead-letter messages', async () => seen.length >= 3);
    } finally {
      await consumer.disconnect();
    }
    expect(seen.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'poison-1', reason: 'unparseable_message' },
      { key: 'poison-2', reason: 'invalid_event' },
      { key: 'poison-3', reason: 'unparseable_message' },
    ]);
  });
});

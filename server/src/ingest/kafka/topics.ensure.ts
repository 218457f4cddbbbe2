import type { Admin } from 'kafkajs';
import type { Logger } from '../../log.js';
import type { KafkaTopics } from './kafka.client.js';

const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Creates the events and dead-letter topics when they are missing. An existing topic is left
 * as it is (its partition count decides the ordering of keys already written); a topic with
 * fewer partitions than configured is reported, not changed.
 */
export async function ensureTopics(admin: Admin, topics: KafkaTopics, log: Logger): Promise<void> {
  const names = [topics.events, topics.deadLetter];
  const existing = new Set(await admin.listTopics());
  const missing = names.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: topics.partitions,
        replicationFactor: topics.replicationFactor ?? -1,
        // The gateway accepts events up to 1 MB; with the JSON envelope one can exceed the
        // brokers' 1 MB default, which would be refused for good instead of written.
        configEntries: [{ name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) }],
      })),
    });
    log.info({ topics: missing, partitions: topics.partitions }, 'kafka: created topics');
  }
  const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
  for (const t of meta) {
    if (t.partitions.length < topics.partitions) {
      log.warn({ topic: t.name, partitions: t.partitions.length, configured: topics.partitions }, 'kafka: topic has fewer partitions than configured');
    }
  }
}

import type { Deps, Module } from '../../modules.js';
import { createEventWriter } from '../writer.js';
import { createKafkaConsumer } from './consumer.js';

/**
 * The Kafka consumer as a module of a Cairn process: `cairn ingest` runs it alone, `cairn
 * start` with KAFKA_BROKERS beside the API. `onFatal` is told when the consumer gave up.
 */
export function kafkaConsumerModule(deps: Deps, onFatal?: (err: Error) => void): Module {
  const consumer = createKafkaConsumer({
    config: deps.config,
    log: deps.log.child({ component: 'kafka-consumer' }),
    writer: createEventWriter({ tenants: deps.tenants, log: deps.log }),
    onFatal,
  });
  return { name: 'kafka-consumer', start: () => consumer.start(), stop: () => consumer.stop() };
}

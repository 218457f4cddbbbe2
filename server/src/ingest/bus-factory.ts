import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { IngestBus } from './bus.js';
import type { EventWriter } from './writer.js';

export interface BusFactoryDeps {
  config: Config;
  log: Logger;
  writer: EventWriter;
}

/**
 * Picks the ingestion bus from configuration: Kafka when KAFKA_BROKERS is set (the Kafka
 * module adds that branch here), else the embedded group commit.
 */
export async function createIngestBus(deps: BusFactoryDeps): Promise<IngestBus> {
  if (deps.config.env.KAFKA_BROKERS) {
    const { createKafkaBus } = await import('./kafka/kafka-bus.js');
    return createKafkaBus({ config: deps.config, log: deps.log });
  }
  const { createEmbeddedBus } = await import('./embedded-bus.js');
  return createEmbeddedBus({ writer: deps.writer, log: deps.log, config: deps.config });
}

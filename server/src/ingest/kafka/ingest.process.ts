import type { Server } from 'node:http';
import type { Config } from '../../config/index.js';
import { createApp } from '../../http/app.js';
import { createMetrics } from '../../http/metrics.js';
import type { Logger } from '../../log.js';
import { openStores } from '../../server.js';
import { VERSION } from '../../version.js';
import { createEventWriter } from '../writer.js';
import { createKafkaConsumer } from './consumer.js';
import { consumerMetrics } from './consumer.metrics.js';

export interface IngestProcess {
  /** Where the probes are served; undefined when CAIRN_PORT was taken. */
  url: string | undefined;
  close(): Promise<void>;
}

/**
 * `cairn ingest`: the Kafka consumer, plus an HTTP listener on CAIRN_PORT with only
 * /healthz, /readyz (databases answer and the consumer is in its group) and /metrics —
 * what the Compose health check and the Helm ServiceMonitor probe. No API, no UI.
 */
export async function startIngestProcess(config: Config, log: Logger, onFatal: (err: Error) => void): Promise<IngestProcess> {
  const stores = await openStores(config, log);
  const { pg, ch, tenants } = stores.deps;
  const metrics = createMetrics();
  const consumer = createKafkaConsumer({
    config,
    log: log.child({ component: 'kafka-consumer' }),
    writer: createEventWriter({ tenants, log }),
    onFatal,
    metrics: consumerMetrics(metrics.registry),
  });
  let server: Server | undefined;
  const close = async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await consumer.stop();
    await stores.close();
    log.info('stopped');
  };
  try {
    await consumer.start();
    const app = createApp({
      routes: [],
      authenticators: [],
      pg,
      log,
      metrics,
      ready: async () => {
        await Promise.all([pg.ping(), ch.ping()]);
        if (!consumer.ready()) throw new Error('the consumer is not in its group');
      },
      version: VERSION,
      trustProxy: config.env.CAIRN_TRUST_PROXY,
    });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.env.CAIRN_PORT, config.env.CAIRN_HOST, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.on('error', reject);
    }).catch((err: NodeJS.ErrnoException) => {
      // A port already taken (an `api` on the same host) costs the probes, not the ingestion.
      if (err.code !== 'EADDRINUSE') throw err;
      log.warn({ port: config.env.CAIRN_PORT }, 'CAIRN_PORT is in use: /healthz, /readyz and /metrics are not served');
      return undefined;
    });
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  const address = server?.address();
  const url = address && typeof address === 'object' ? `http://${config.env.CAIRN_HOST === '0.0.0.0' ? '127.0.0.1' : config.env.CAIRN_HOST}:${address.port}` : undefined;
  log.info({ url, version: VERSION }, 'Cairn ingest is running');
  return { url, close };
}

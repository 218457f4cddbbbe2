#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/index.js';
import { DataDirLockedError } from './db/data-dir.js';
import { createLogger } from './log.js';
import { kafkaConsumerModule } from './ingest/kafka/consumer.module.js';
import { startIngestProcess } from './ingest/kafka/ingest.process.js';
import { apiModules, type Deps } from './modules.js';
import { openStores, startCairn } from './server.js';
import { VERSION } from './version.js';

interface Command {
  summary: string;
  help: string;
  /** Resolves `'running'` when the command keeps serving until a signal. */
  run(): Promise<'running' | void>;
}

const commands: Record<string, Command> = {
  start: {
    summary: 'Run Cairn: API, UI and ingestion in one process',
    help: `Usage: cairn start

Migrates both databases, then serves the API under /api/v1 and the UI on CAIRN_PORT
(default 8000). With neither DATABASE_URL nor CLICKHOUSE_URL set, Cairn runs on embedded
PostgreSQL and chDB in CAIRN_DATA_DIR (default ./data). With KAFKA_BROKERS set, captured
events go through Kafka and this process also consumes them (\`cairn api\` + \`cairn ingest\`
in one). Stops cleanly on SIGINT/SIGTERM.
Configuration is read from environment variables: see docs/configuration.md.`,
    async run() {
      const config = loadConfig();
      const log = createLogger(config);
      // With KAFKA_BROKERS the gateway publishes to Kafka and this same process also consumes it.
      let close: (() => Promise<void>) | undefined;
      const fatal = exitOnFatal(log, () => close?.() ?? Promise.resolve());
      const modules = config.env.KAFKA_BROKERS ? (deps: Deps) => [...apiModules(deps), kafkaConsumerModule(deps, fatal)] : undefined;
      const running = await startCairn(config, { log, modules });
      close = running.close;
      onSignals(log, running.close);
      return 'running';
    },
  },
  api: {
    summary: 'Run the API, the UI and the capture gateway, without the Kafka consumer',
    help: `Usage: cairn api

Like \`cairn start\`, but with KAFKA_BROKERS set it only publishes captured events to Kafka;
\`cairn ingest\` processes consume them into ClickHouse. The API process of the Compose and
Helm installs; run as many replicas as the traffic needs.`,
    async run() {
      const config = loadConfig();
      const log = createLogger(config);
      const running = await startCairn(config, { log });
      onSignals(log, running.close);
      return 'running';
    },
  },
  ingest: {
    summary: 'Consume the Kafka events topic into ClickHouse (needs KAFKA_BROKERS)',
    help: `Usage: cairn ingest

Consumes KAFKA_TOPIC_EVENTS in batches as a member of KAFKA_CONSUMER_GROUP, inserts the
events into ClickHouse and commits the offsets only after the insert succeeded. Messages it
cannot decode go to KAFKA_TOPIC_DEAD_LETTER and the events_dead_letter table. Run as many
replicas as there are partitions at most. On SIGTERM it finishes the batch in hand,
commits and leaves the group. Serves only /healthz, /readyz and /metrics on CAIRN_PORT,
for probes and Prometheus. See docs/ingestion.md.`,
    async run() {
      const config = loadConfig();
      if (!config.env.KAFKA_BROKERS) throw new ConfigError(['KAFKA_BROKERS: required by `cairn ingest`']);
      const log = createLogger(config);
      let close: (() => Promise<void>) | undefined;
      const running = await startIngestProcess(config, log, exitOnFatal(log, () => close?.() ?? Promise.resolve()));
      close = running.close;
      onSignals(log, running.close);
      return 'running';
    },
  },
  migrate: {
    summary: 'Apply pending PostgreSQL and ClickHouse migrations, then exit',
    help: `Usage: cairn migrate

Applies the pending migrations of both databases and exits. Safe to run from several
replicas at once: they queue on a lock. Used as the one-shot migration job of the Compose
and Helm installs.`,
    async run() {
      const config = loadConfig();
      const stores = await openStores(config, createLogger(config));
      await stores.close();
    },
  },
};

/** The health and metrics endpoints alone, for a process that serves no API (`cairn ingest`). */
/** A consumer that gave up for good ends the process (non-zero), so its supervisor restarts it. */
function exitOnFatal(log: ReturnType<typeof createLogger>, close: () => Promise<void>) {
  return (err: Error) => {
    log.fatal({ err }, 'ingestion stopped for good: exiting');
    close().finally(() => process.exit(1));
  };
}

function onSignals(log: ReturnType<typeof createLogger>, close: () => Promise<void>) {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `Cairn ${VERSION} — self-hosted product analytics

Usage: cairn <command> [--help]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}
`;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const name = positionals[0];
  if (!name) {
    process.stdout.write(usage());
    return values.help ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`cairn: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  if (values.help) {
    process.stdout.write(command.help + '\n');
    return 0;
  }
  return (await command.run()) === 'running' ? -1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof DataDirLockedError) {
      process.stderr.write(`cairn: ${err.message}\n`);
    } else {
      process.stderr.write(`cairn: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  },
);

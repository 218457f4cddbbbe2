#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/index.js';
import { DataDirLockedError } from './db/data-dir.js';
import { createLogger } from './log.js';
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
PostgreSQL and chDB in CAIRN_DATA_DIR (default ./data). Stops cleanly on SIGINT/SIGTERM.
Configuration is read from environment variables: see docs/configuration.md.`,
    async run() {
      const config = loadConfig();
      const log = createLogger(config);
      const running = await startCairn(config, { log });
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

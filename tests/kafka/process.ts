import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from './broker.js';

export interface LogLine {
  level?: number;
  msg?: string;
  [k: string]: unknown;
}

export interface CairnProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  lines: LogLine[];
  /** Resolves with the first log line (from now or already seen) that matches. */
  waitForLog(match: (l: LogLine) => boolean, ms?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal name) once the process ended. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
  /** The last lines of output, for failure messages. */
  tail(n?: number): string;
}

const OWN_PREFIXES = ['CAIRN_', 'KAFKA_', 'DATABASE_', 'CLICKHOUSE_'];

/**
 * Runs `cairn <command>` from the TypeScript sources as a real child process (so a test can
 * SIGKILL it), with exactly the Cairn variables given: none leak in from the test's environment.
 */
export function spawnCairn(command: 'start' | 'api' | 'ingest', env: Record<string, string>): CairnProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !OWN_PREFIXES.some((p) => k.startsWith(p))));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', command], {
    cwd: repoRoot,
    env: { ...base, CAIRN_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const watchers = new Set<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  const onLine = (text: string) => {
    raw.push(text);
    if (raw.length > 400) raw.shift();
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    lines.push(line);
    for (const w of watchers) {
      if (w.match(line)) {
        watchers.delete(w);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', (t) => raw.push(`[stderr] ${t}`));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const tail = (n = 40) => raw.slice(-n).join('\n');
  return {
    child,
    lines,
    exited,
    tail,
    kill: (signal) => void child.kill(signal),
    waitForLog(match, ms = 120_000) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { match, resolve: (l: LogLine) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          watchers.delete(w);
          reject(new Error(`cairn ${command}: no matching log line within ${ms} ms. Output:\n${tail()}`));
        }, ms);
        watchers.add(w);
        void exited.then((code) => {
          if (!watchers.has(w)) return;
          watchers.delete(w);
          clearTimeout(timer);
          reject(new Error(`cairn ${command} exited (${code}) before the expected log line. Output:\n${tail()}`));
        });
      });
    },
  };
}

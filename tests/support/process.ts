import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface CairnProcess {
  child: ChildProcess;
  /** Every line the process printed so far (stdout and stderr). */
  lines: string[];
  /** Resolves with the first log line whose `msg` matches, rejects if the process exits first. */
  waitFor(msg: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the Cairn CLI from source as a real child process (JSON logs on stdout). */
export function runCli(args: string[], env: Record<string, string>): CairnProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/cli.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CAIRN_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (v: Record<string, unknown>) => void }> = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      for (const w of [...waiters]) {
        if (parsed && typeof parsed.msg === 'string' && w.re.test(parsed.msg)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    exited,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for /${re.source}/; output:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (v) => (clearTimeout(timer), resolve(v)) });
        void exited.then(({ code }) => {
          clearTimeout(timer);
          reject(new Error(`process exited (${code}) before /${re.source}/; output:\n${lines.join('\n')}`));
        });
      });
    },
  };
}

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const chartDir = path.join(root, 'charts/cairn');
export const run = promisify(execFile);

/**
 * The helm binary: $HELM, else .tools/bin/helm (tests/distribution/install-helm.sh builds it
 * from its Go module), else helm on PATH. Never skipped: a machine without helm fails here.
 */
export function helmBinary(): string {
  const candidates = [process.env.HELM, path.join(root, '.tools/bin/helm')].filter((c): c is string => !!c);
  for (const c of candidates) if (existsSync(c)) return c;
  const onPath = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  if (onPath.status === 0) return 'helm';
  throw new Error(
    'helm not found (looked at $HELM, .tools/bin/helm and PATH). Build it with ' +
      '`sh tests/distribution/install-helm.sh` (needs Go; a few minutes) before running tests/distribution.',
  );
}

export async function helm(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(helmBinary(), args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
}

/** Runs helm and returns its combined output and exit code, for the failure paths. */
export function helmFails(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(helmBinary(), args, { cwd: root, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  [k: string]: any;
}

export const valueSets = {
  default: [] as string[],
  'external-stores': ['charts/cairn/ci/external-values.yaml'],
  'air-gapped': ['charts/cairn/ci/airgap-values.yaml'],
} as const;
export type ValueSet = keyof typeof valueSets;

export const valueArgs = (set: ValueSet, extra: string[] = []) => [...valueSets[set].flatMap((f) => ['-f', f]), ...extra];

/** `helm template` of the chart, parsed into Kubernetes objects. */
export async function renderChart(set: ValueSet, extra: string[] = []): Promise<K8sObject[]> {
  const { stdout } = await helm(['template', 'cairn', chartDir, '--namespace', 'analytics', '--kube-version', '1.30.0', ...valueArgs(set, extra)]);
  return parseAllDocuments(stdout)
    .map((d) => {
      if (d.errors.length) throw new Error(`helm rendered invalid YAML: ${d.errors[0]!.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** The pod spec of a workload object, if it has one. */
export function podSpec(o: K8sObject): any | undefined {
  if (o.kind === 'Deployment' || o.kind === 'StatefulSet' || o.kind === 'Job') return o.spec.template.spec;
  return undefined;
}

/** Image references of images.txt (first column), without comments. */
export function imagesTxt(): string[] {
  return readFileSync(path.join(root, 'images.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/)[0]!);
}

/** An image reference without its registry host: docker.io/postgres:17 → postgres:17. */
export const withoutRegistry = (image: string) => image.replace(/^[^/]*[.:][^/]*\//, '');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

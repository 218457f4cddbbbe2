import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { interpolate } from './compose-env.js';
import { helmBinary, imagesTxt, podSpec, renderChart, root } from './support.js';

const script = path.join(root, 'scripts/airgap-bundle.sh');
const registry = 'registry.airgap.internal:5000';
const sh = (args: string[], env: Record<string, string> = {}, cwd = root) => {
  const r = spawnSync('sh', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('images.txt and the air-gapped bundle', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'cairn-airgap-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('retags exactly the images the chart pulls with global.imageRegistry, and Compose with REGISTRY', async () => {
    const plan = sh([script, 'plan', registry]);
    expect(plan.status, plan.stderr).toBe(0);
    const targets = plan.stdout.trim().split('\n').map((l) => l.split(' ')[1]);
    expect(plan.stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(imagesTxt());

    const chart = new Set<string>();
    for (const o of await renderChart('air-gapped')) for (const c of podSpec(o)?.containers ?? []) chart.add(c.image);
    expect([...chart].sort()).toEqual([...targets].sort());

    const compose = parse(readFileSync(path.join(root, 'compose/docker-compose.yml'), 'utf8'), { merge: true });
    const composeImages = new Set(Object.values<any>(compose.services).map((s) => interpolate(s.image, { REGISTRY: `${registry}/` })));
    expect([...composeImages].sort()).toEqual([...targets].sort());
  });

  it('gives every image a digest column to pin at release time', () => {
    const lines = readFileSync(path.join(root, 'images.txt'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    for (const l of lines) expect(l.split(/\s+/)[1], l).toMatch(/^sha256:/);
  });

  it('create: pulls and saves every image and packs them with the chart, the Compose files and the docs', () => {
    const bundle = path.join(work, 'bundle.tar');
    const r = sh([script, 'create', bundle], { DRY_RUN: '1', HELM: helmBinary() });
    expect(r.status, r.stderr).toBe(0);
    for (const image of imagesTxt()) expect(r.stdout).toContain(`+ docker pull ${image}`);
    expect(r.stdout).toMatch(new RegExp(`\\+ docker save -o \\S+/images\\.tar ${imagesTxt().map((i) => i.replace(/[.]/g, '\\.')).join(' ')}`));
    expect(spawnSync('tar', ['-xf', bundle, '-C', work]).status).toBe(0);
    const dir = path.join(work, 'cairn-airgap');
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['images.tar', 'images.txt', 'airgap-bundle.sh', 'SHA256SUMS', 'compose', 'docs']));
    expect(files.some((f) => /^cairn-\d+\.\d+\.\d+\.tgz$/.test(f)), 'packaged chart').toBe(true);
    for (const doc of ['compose.md', 'kubernetes.md', 'air-gapped.md', 'upgrade.md']) expect(existsSync(path.join(dir, 'docs/install', doc)), doc).toBe(true);
  });

  it('push: inside the air gap, loads the archive and retags and pushes every image to the private registry', () => {
    const dir = path.join(work, 'cairn-airgap');
    const r = sh([path.join(dir, 'airgap-bundle.sh'), 'push', registry], { DRY_RUN: '1' }, dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`+ docker load -i ${dir}/images.tar`);
    for (const image of imagesTxt()) {
      const target = `${registry}/${image.replace(/^docker\.io\//, '')}`;
      expect(r.stdout).toContain(`+ docker tag ${image} ${target}`);
      expect(r.stdout).toContain(`+ docker push ${target}`);
    }
  });

  it('push: refuses a damaged bundle', () => {
    const dir = path.join(work, 'cairn-airgap');
    appendFileSync(path.join(dir, 'images.txt'), '# tampered\n');
    const r = sh([path.join(dir, 'airgap-bundle.sh'), 'push', registry], { DRY_RUN: '1' }, dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('SHA256SUMS does not match');
    expect(r.stdout).not.toContain('docker load');
  });
});

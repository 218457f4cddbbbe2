import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/src/config/index.js';
import { envSchema, secretVariables } from '../../server/src/config/schema.js';
import { engine, plainSettings } from './clickhouse-settings.js';
import { chartDir, helm, helmFails, imagesTxt, podSpec, renderChart, valueArgs, withoutRegistry, type K8sObject, type ValueSet } from './support.js';

const serverVariables = new Set(Object.keys(envSchema.shape));
// Helper variables the chart defines so Kubernetes can assemble a bundled store's URL from a
// password kept in a Secret ($(VAR) expansion); Cairn itself never reads them.
const chartHelperVariables = new Set(['CAIRN_BUNDLED_POSTGRES_PASSWORD', 'CAIRN_BUNDLED_CLICKHOUSE_PASSWORD']);
const isCairn = (c: any) => /(^|\/)cairn\/cairn[:@]/.test(c.image);
const containers = (o: K8sObject): any[] => {
  const spec = podSpec(o);
  return spec ? [...(spec.initContainers ?? []), ...spec.containers] : [];
};
const workloads = (objs: K8sObject[]) => objs.filter((o) => podSpec(o));
const find = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

describe.each(['default', 'external-stores', 'air-gapped'] as ValueSet[])('the Helm chart with %s values', (set) => {
  let objs: K8sObject[];
  beforeAll(async () => {
    objs = await renderChart(set);
  });

  it('passes helm lint --strict', async () => {
    const { stdout } = await helm(['lint', chartDir, '--strict', '--kube-version', '1.30.0', ...valueArgs(set)]);
    expect(stdout).toContain('0 chart(s) failed');
  });

  it('renders api and ingest Deployments, their PodDisruptionBudgets, the Service and the migration hook Job', () => {
    for (const mode of ['api', 'ingest']) {
      const d = find(objs, 'Deployment', `cairn-${mode}`);
      expect(d, `Deployment cairn-${mode}`).toBeDefined();
      expect(d!.spec.template.spec.containers[0].args).toEqual([mode]);
      expect(find(objs, 'PodDisruptionBudget', `cairn-${mode}`)).toBeDefined();
    }
    expect(find(objs, 'Service', 'cairn')!.spec.ports[0].targetPort).toBe('http');
    const job = find(objs, 'Job', 'cairn-migrate')!;
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
    expect(job.metadata.annotations!['helm.sh/hook']!.split(',').sort()).toEqual(['post-install', 'pre-upgrade']);
  });

  it('gives every container resource requests and limits', () => {
    for (const o of workloads(objs)) {
      for (const c of containers(o)) {
        for (const kind of ['requests', 'limits']) {
          expect(c.resources?.[kind]?.cpu, `${o.kind}/${o.metadata.name}/${c.name} ${kind}.cpu`).toBeTruthy();
          expect(c.resources?.[kind]?.memory, `${o.kind}/${o.metadata.name}/${c.name} ${kind}.memory`).toBeTruthy();
        }
      }
    }
  });

  it('gives every long-running container liveness and readiness probes; Cairn probes /healthz and /readyz', () => {
    for (const o of workloads(objs).filter((o) => o.kind !== 'Job')) {
      for (const c of containers(o)) {
        const where = `${o.kind}/${o.metadata.name}/${c.name}`;
        expect(c.livenessProbe, `${where} livenessProbe`).toBeTruthy();
        expect(c.readinessProbe, `${where} readinessProbe`).toBeTruthy();
        if (isCairn(c)) {
          expect(c.livenessProbe.httpGet.path).toBe('/healthz');
          expect(c.readinessProbe.httpGet.path).toBe('/readyz');
        }
      }
    }
  });

  it('runs every container as non-root without privilege escalation; Cairn on a read-only root filesystem', () => {
    for (const o of workloads(objs)) {
      const pod = podSpec(o).securityContext ?? {};
      for (const c of containers(o)) {
        const where = `${o.kind}/${o.metadata.name}/${c.name}`;
        const sc = { ...pod, ...c.securityContext };
        expect(sc.runAsNonRoot, `${where} runAsNonRoot`).toBe(true);
        expect(sc.runAsUser, `${where} runAsUser`).toBeGreaterThan(0);
        expect(c.securityContext?.allowPrivilegeEscalation, `${where} allowPrivilegeEscalation`).toBe(false);
        expect(c.securityContext?.capabilities?.drop, `${where} capabilities.drop`).toContain('ALL');
        if (isCairn(c)) expect(c.securityContext.readOnlyRootFilesystem, `${where} readOnlyRootFilesystem`).toBe(true);
      }
      expect(podSpec(o).automountServiceAccountToken, `${o.kind}/${o.metadata.name} automountServiceAccountToken`).toBe(false);
    }
  });

  it('never puts a secret in a ConfigMap', () => {
    const secretValues = objs
      .filter((o) => o.kind === 'Secret')
      .flatMap((s) => Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8')))
      .filter((v) => v.length >= 8);
    const configMaps = objs.filter((o) => o.kind === 'ConfigMap');
    expect(configMaps.length).toBeGreaterThan(0);
    for (const cm of configMaps) {
      for (const [key, value] of Object.entries(cm.data ?? {})) {
        const where = `ConfigMap/${cm.metadata.name} ${key}`;
        expect(secretVariables as readonly string[], where).not.toContain(key);
        expect(value, `${where} holds URL credentials`).not.toMatch(/:\/\/[^/\s:@]+:[^/\s@]+@/);
        for (const secret of secretValues) expect(value.includes(secret), `${where} holds a value of a Secret`).toBe(false);
      }
    }
  });

  it('passes Cairn only variables its configuration schema knows', () => {
    const cm = find(objs, 'ConfigMap', 'cairn')!;
    for (const key of Object.keys(cm.data ?? {})) expect(serverVariables.has(key), `ConfigMap key ${key}`).toBe(true);
    for (const o of workloads(objs)) {
      for (const c of containers(o).filter(isCairn)) {
        for (const e of c.env ?? []) {
          expect(serverVariables.has(e.name) || chartHelperVariables.has(e.name), `${o.metadata.name}: env ${e.name}`).toBe(true);
        }
      }
    }
  });

  it('hands Cairn an environment its configuration accepts', () => {
    // Secret references stand for valid values of each variable; $(VAR) is expanded as the kubelet does.
    const stand: Record<string, string> = {
      CAIRN_SECRET_KEY: 's'.repeat(40),
      CAIRN_BUNDLED_POSTGRES_PASSWORD: 'pgpass',
      CAIRN_BUNDLED_CLICKHOUSE_PASSWORD: 'chpass',
      DATABASE_URL: 'postgres://u:p@db.example:5432/cairn',
      CLICKHOUSE_URL: 'https://u:p@ch.example:8443',
      KAFKA_SASL_PASSWORD: 'kafka-pass',
      CAIRN_SMTP_URL: 'smtp://u:p@mail.example:587',
      CAIRN_INIT_PROJECT_TOKEN: 't'.repeat(40),
      CAIRN_INIT_USER_PASSWORD: 'correct horse battery staple',
      CAIRN_INIT_API_KEY: 'k'.repeat(40),
    };
    const api = find(objs, 'Deployment', 'cairn-api')!.spec.template.spec.containers[0];
    const env: Record<string, string> = { ...find(objs, 'ConfigMap', 'cairn')!.data };
    for (const e of api.env) {
      env[e.name] = e.valueFrom ? stand[e.name]! : String(e.value).replace(/\$\((\w+)\)/g, (_: string, v: string) => env[v] ?? '');
    }
    const config = loadConfig(env, '/');
    expect(config.mode).toEqual({ postgres: 'server', clickhouse: 'server' });
    expect(config.env.KAFKA_BROKERS?.length).toBeGreaterThan(0);
    expect(config.env.CAIRN_PORT).toBe(8000);
  });

  it('pulls only images listed in images.txt', () => {
    const listed = new Set(imagesTxt().map(withoutRegistry));
    for (const o of workloads(objs)) {
      for (const c of containers(o)) expect(listed.has(withoutRegistry(c.image)), `${c.image} in images.txt`).toBe(true);
    }
  });
});

describe('the Helm chart, per value set', () => {
  it('bundles PostgreSQL, ClickHouse and Redpanda as StatefulSets of the official images by default', async () => {
    const objs = await renderChart('default');
    const images = objs.filter((o) => o.kind === 'StatefulSet').map((o) => o.spec.template.spec.containers[0].image);
    expect(images.map(withoutRegistry).sort()).toEqual(['clickhouse/clickhouse-server:26.7', 'postgres:17.10-alpine', 'redpandadata/redpanda:v25.3.6']);
    expect(images.join(' ')).not.toMatch(/bitnami/);
    const redpanda = find(objs, 'StatefulSet', 'cairn-redpanda')!.spec.template.spec.containers[0];
    expect(redpanda.args).toEqual(expect.arrayContaining(['--smp=1', '--memory=1G']));
    expect(redpanda.args.join(' ')).not.toContain('dev-container');
    expect(find(objs, 'ConfigMap', 'cairn-redpanda')!.data!['.bootstrap.yaml']).toMatch(/unsafe_bypass_fsync: false\n[\s\S]*enable_metrics_reporter: false/);
    // The default (no overrides) pulls from each image's own registry.
    for (const o of workloads(objs)) for (const c of containers(o)) expect(c.image).toMatch(/^docker\.io\//);
    // Bundled store URLs are assembled by Kubernetes from the password in the chart's Secret.
    const env = find(objs, 'Deployment', 'cairn-api')!.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'DATABASE_URL').value).toBe('postgres://cairn:$(CAIRN_BUNDLED_POSTGRES_PASSWORD)@cairn-postgresql:5432/cairn');
    const secret = find(objs, 'Secret', 'cairn')!;
    expect(Object.keys(secret.data!).sort()).toEqual(['CAIRN_SECRET_KEY', 'clickhouse-password', 'postgres-password']);
    expect(Buffer.from(secret.data!.CAIRN_SECRET_KEY!, 'base64').toString().length).toBeGreaterThanOrEqual(32);
  });

  it('with external stores bundles nothing and reads every credential from the existing Secrets', async () => {
    const objs = await renderChart('external-stores');
    expect(objs.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    const api = find(objs, 'Deployment', 'cairn-api')!;
    expect(api.spec.replicas).toBeUndefined(); // the HorizontalPodAutoscaler owns it
    const env = Object.fromEntries(api.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(env.CAIRN_SECRET_KEY).toEqual({ name: 'cairn-instance', key: 'secret-key' });
    expect(env.DATABASE_URL).toEqual({ name: 'cairn-stores', key: 'database-url' });
    expect(env.CLICKHOUSE_URL).toEqual({ name: 'cairn-stores', key: 'clickhouse-url' });
    expect(env.CAIRN_INIT_USER_PASSWORD).toEqual({ name: 'cairn-init', key: 'CAIRN_INIT_USER_PASSWORD' });
    expect(env.KAFKA_SASL_PASSWORD).toEqual({ name: 'cairn-stores', key: 'kafka-password' });
    expect(env.CAIRN_SMTP_URL).toEqual({ name: 'cairn-smtp', key: 'CAIRN_SMTP_URL' });
    expect(find(objs, 'ConfigMap', 'cairn')!.data).toMatchObject({
      KAFKA_BROKERS: 'kafka-0.kafka.data.svc:9093,kafka-1.kafka.data.svc:9093',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
    });
    expect(find(objs, 'ConfigMap', 'cairn')!.data).toMatchObject({ CLICKHOUSE_DATABASE: 'analytics', CAIRN_PUBLIC_URL: 'https://analytics.acme.example' });
    expect(find(objs, 'HorizontalPodAutoscaler', 'cairn-api')!.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(find(objs, 'Ingress', 'cairn')!.spec.tls[0].secretName).toBe('analytics-tls');
    expect(find(objs, 'ServiceMonitor', 'cairn')!.spec.endpoints[0].path).toBe('/metrics');
    expect(objs.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name).sort()).toEqual(['cairn-api', 'cairn-ingest']);
  });

  it('air-gapped: global.imageRegistry and imagePullSecrets apply to every pod', async () => {
    const objs = await renderChart('air-gapped');
    const pods = workloads(objs);
    expect(pods.length).toBeGreaterThanOrEqual(6);
    for (const o of pods) {
      expect(podSpec(o).imagePullSecrets, `${o.kind}/${o.metadata.name}`).toEqual([{ name: 'airgap-registry' }]);
      for (const c of containers(o)) expect(c.image, `${o.kind}/${o.metadata.name}`).toMatch(/^registry\.airgap\.internal:5000\//);
    }
    // The stores are reachable from Cairn's pods only.
    const pg = find(objs, 'NetworkPolicy', 'cairn-postgresql')!;
    expect(pg.spec.ingress[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
  });

  it('configures the bundled ClickHouse with settings its engine version has, and its password only from the environment', async () => {
    const objs = await renderChart('default');
    const cm = find(objs, 'ConfigMap', 'cairn-clickhouse')!.data!;
    const { serverSettings } = engine();
    expect(plainSettings(cm['server.xml']!).length).toBeGreaterThan(3);
    for (const name of plainSettings(cm['server.xml']!)) expect(serverSettings.has(name), `server setting ${name}`).toBe(true);
    expect(cm['server.xml']).not.toMatch(/<background_pool_size>/);
    expect(cm['users.xml']).toContain('<password from_env="CAIRN_CLICKHOUSE_PASSWORD"/>');
    const env = find(objs, 'StatefulSet', 'cairn-clickhouse')!.spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'CAIRN_CLICKHOUSE_PASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'cairn', key: 'clickhouse-password' });
  });

  it('pins an image by digest when one is given', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objs = await renderChart('default', ['--set', `image.digest=${digest}`]);
    expect(find(objs, 'Deployment', 'cairn-api')!.spec.template.spec.containers[0].image).toBe(`docker.io/cairn/cairn@${digest}`);
  });
});

describe('the Helm chart refuses bad values with a clear message', () => {
  const template = (...args: string[]) => helmFails(['template', 'cairn', chartDir, '--kube-version', '1.30.0', ...args]);

  it('refuses a secret variable in the ConfigMap values (values.schema.json)', () => {
    const r = template('--set', 'config.CAIRN_SECRET_KEY=0123456789abcdef0123456789abcdef');
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/invalid propertyName 'CAIRN_SECRET_KEY'/);
  });

  it('lists every secret variable of the server among the names config may not hold', () => {
    const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8'));
    const forbidden: string[] = schema.properties.config.propertyNames.not.enum;
    for (const name of secretVariables) {
      expect(forbidden).toContain(name);
      expect(forbidden).toContain(`${name}_FILE`);
    }
  });

  it('refuses external PostgreSQL without a URL or an existing Secret', () => {
    const r = template('--set', 'postgresql.enabled=false');
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('externalDatabase.url (or externalDatabase.existingSecret) is required');
  });

  it('refuses external Kafka without brokers, a short instance secret and a mistyped key', () => {
    expect(template('--set', 'redpanda.enabled=false').output).toContain('externalKafka.brokers is required');
    expect(template('--set', 'secretKey.value=short').output).toMatch(/secretKey\/value/);
    expect(template('--set', 'api.replicaz=3').output).toMatch(/additional properties 'replicaz' not allowed/);
  });
});

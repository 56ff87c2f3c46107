// Static checks of the deployment files (no Docker, no cluster): the compose
// file parses and validates against the compose-spec JSON schema kept in
// deploy/, the Kubernetes manifests parse and agree with each other, the
// Dockerfile has its stages, and nginx -t accepts deploy/nginx.conf when
// nginx is installed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SETTINGS } from '../src/config.js';
import { findNginx, renderNginx, testNginx } from '../scripts/nginx-local.mjs';

const root = new URL('..', import.meta.url).pathname;
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

describe('docker-compose.yml', () => {
  const compose: Any = parse(read('docker-compose.yml'), { merge: true });

  it('validates against the compose-spec JSON schema', () => {
    const schema = JSON.parse(read('deploy/compose-spec.schema.json'));
    // The schema names https://json-schema.org/draft-07/schema, which Ajv knows
    // under http://; it is draft-07. Formats (durations, ...) are not checked.
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false, validateFormats: false });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs several healthy, limited replicas with every configuration variable', () => {
    const svc = compose.services.gradserve;
    expect(svc.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(svc.deploy.resources.limits.cpus).toBeDefined();
    expect(svc.deploy.resources.limits.memory).toBeDefined();
    expect(svc.healthcheck.test.join(' ')).toMatch(/\/readyz|\/healthz/);
    for (const s of SETTINGS) expect(Object.keys(svc.environment), s.env).toContain(s.env);
  });

  it('puts nginx in front with deploy/nginx.conf and waits for healthy replicas', () => {
    const lb = compose.services.lb;
    expect(lb.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
    for (const v of lb.volumes as string[]) {
      const file = v.split(':')[0]!;
      expect(() => read(file), file).not.toThrow();
    }
    expect(lb.depends_on.gradserve.condition).toBe('service_healthy');
    expect(lb.healthcheck).toBeDefined();
    expect(lb.deploy.resources.limits).toBeDefined();
  });
});

describe('deploy/nginx.conf', () => {
  const conf = read('deploy/nginx.conf');
  const upstream = read('deploy/gradserve-upstream.conf');

  it('balances with least_conn over keep-alive connections and retries POST on errors and 503', () => {
    expect(upstream).toMatch(/least_conn;/);
    expect(upstream).toMatch(/keepalive \d+;/);
    expect(upstream).toMatch(/server gradserve:8080/);
    expect(conf).toMatch(/proxy_http_version 1\.1;/);
    expect(conf).toMatch(/proxy_set_header Connection "";/);
    expect(conf).toMatch(/proxy_next_upstream error timeout http_503 non_idempotent;/);
    expect(conf).toMatch(/proxy_connect_timeout/);
    expect(conf).toMatch(/proxy_read_timeout/);
  });

  const nginx = findNginx();
  it.skipIf(!nginx)('passes nginx -t with loopback upstreams (as scale-test renders it)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gradserve-nginx-t-'));
    try {
      renderNginx(dir, { listenPort: 18080, upstreams: ['127.0.0.1:18081', '127.0.0.1:18082'] });
      const r = testNginx(nginx!, dir);
      expect(r.ok, r.output).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!nginx) console.warn('deploy.test: nginx not installed, `nginx -t` of deploy/nginx.conf skipped (apt-get install nginx)');
});

describe('deploy/k8s', () => {
  const dir = path.join(root, 'deploy/k8s');
  const docs: Any[] = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(path.join(dir, f), 'utf8')).map((d) => {
        expect(d.errors, f).toEqual([]);
        return d.toJS();
      }),
    );
  const byKind = (k: string) => docs.filter((d) => d?.kind === k);

  it('parses into the expected objects', () => {
    for (const d of docs) {
      expect(typeof d.apiVersion).toBe('string');
      expect(typeof d.kind).toBe('string');
    }
    for (const k of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Kustomization']) expect(byKind(k), k).toHaveLength(1);
    const kust = byKind('Kustomization')[0];
    expect([...kust.resources].sort()).toEqual(readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort());
  });

  it('probes readiness and liveness, limits resources and drains before SIGTERM', () => {
    const dep = byKind('Deployment')[0];
    const c = dep.spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.lifecycle.preStop).toBeDefined();
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(15);
    expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const env = c.env.map((e: Any) => e.name);
    for (const s of SETTINGS) expect(env, s.env).toContain(s.env);
  });

  it('selects the pods from the Service, the PDB and the HPA', () => {
    const dep = byKind('Deployment')[0];
    const labels = dep.spec.template.metadata.labels;
    expect(dep.spec.selector.matchLabels).toEqual(labels);
    const matches = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    expect(matches(byKind('Service')[0].spec.selector)).toBe(true);
    expect(matches(byKind('PodDisruptionBudget')[0].spec.selector.matchLabels)).toBe(true);
    const hpa = byKind('HorizontalPodAutoscaler')[0];
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: dep.metadata.name });
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(byKind('PodDisruptionBudget')[0].spec.minAvailable);
    const port = dep.spec.template.spec.containers[0].ports[0].name;
    expect(byKind('Service')[0].spec.ports[0].targetPort).toBe(port);
  });
});

describe('Dockerfile', () => {
  const df = read('Dockerfile');
  it('builds in node:22-bookworm and runs on slim, non-root, with a health check', () => {
    expect(df).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm AS builder$/m);
    expect(df).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS runtime$/m);
    expect(df).toMatch(/^ARG NODE_VERSION=22$/m);
    expect(df).toMatch(/libopenblas-dev/);
    expect(df).toMatch(/libopenblas0/);
    expect(df).toMatch(/npm prune --omit=dev/);
    expect(df).toMatch(/^USER node$/m);
    expect(df).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(df).toMatch(/NODE_ENV=production/);
    // The image starts the service exactly as `npm start` does (same node flags).
    const start = JSON.parse(read('package.json')).scripts.start as string;
    expect(df).toContain(`CMD ${JSON.stringify(start.split(' '))}`.replace(/","/g, '", "'));
    // The runtime stage installs no compiler.
    const runtime = df.slice(df.indexOf('AS runtime'));
    expect(runtime).not.toMatch(/build-essential|g\+\+|gcc|python3|-dev\b/);
    expect(read('.dockerignore')).toMatch(/^node_modules$/m);
  });
});

// GET /metrics (Prometheus text format, prom-client) and one log line per
// request. Each app has its own registry (tests build many apps); in a
// process of a cluster (PROCESSES > 1) a scrape answers the aggregate of every
// process's registry (src/cluster-metrics.ts). Labels are
// the route pattern (never the raw URL), the method and the status; job
// timings come from the pool's onJob hook. Logs carry the request id, route,
// status, job time and duration — never a body, so never tensor data.
import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { clusterMetricsText, shareMetrics } from './cluster-metrics.js';
import { TallyCounter, TallyHistogram } from './tally-metrics.js';
import { ProblemError } from './errors.js';
import type { JobEvent, JobPool, PoolHooks } from './pool/pool.js';

export interface Metrics {
  registry: Registry;
  hooks: PoolHooks;
  /** Counts a refusal; reason is e.g. body_limit, job_limits, queue_full, inflight_bytes, accept_queue, event_loop, heap, deadline. */
  reject(status: 413 | 503 | 504, reason: string): void;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The HTTP request latency histogram and the request counter that is its count (exported for its test). */
export const HTTP_LATENCY = {
  name: 'gradserve_http_request_duration_seconds',
  help: 'HTTP request latency by route, method and status',
  labelNames: ['route', 'method', 'status'],
  buckets: SECONDS,
  countedAs: { name: 'gradserve_http_requests_total', help: 'HTTP requests by route, method and status' },
} as const;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gradserve_' });
  // Every job touches these: tallies read by the registry when scraped (src/tally-metrics.ts).
  const jobRun = new TallyHistogram(registry, { name: 'gradserve_job_run_seconds', help: 'Time a worker spent on a job', labelNames: ['kind', 'outcome'], buckets: SECONDS });
  const jobWait = new TallyHistogram(registry, { name: 'gradserve_job_wait_seconds', help: 'Time a job waited in the queue for a worker', labelNames: ['kind'], buckets: SECONDS });
  const jobs = new TallyCounter(registry, { name: 'gradserve_jobs_total', help: 'Jobs by kind and outcome (ok, error, deadline, rejected)', labelNames: ['kind', 'outcome'] });
  const rejections = new Counter({ name: 'gradserve_rejections_total', help: 'Requests refused with 413, 503 or 504, by reason', labelNames: ['status', 'reason'], registers: [registry] });
  return {
    registry,
    hooks: {
      onJob(e: JobEvent) {
        jobs.inc(e.kind, e.outcome);
        if (e.outcome === 'rejected') return;
        jobWait.observe(e.waitMs / 1000, e.kind);
        jobRun.observe(e.runMs / 1000, e.kind, e.outcome);
      },
    },
    reject(status, reason) {
      rejections.inc({ status: String(status), reason });
    },
  };
}

/** Why a 413/503/504 answer was given, from its problem body (for the rejection counter). */
function reasonOf(status: number, payload: unknown): string {
  const text = typeof payload === 'string' ? payload : '';
  if (status === 504) return 'deadline';
  if (status === 413) return /BODY_LIMIT_BYTES/.test(text) ? 'body_limit' : /JSON/.test(text) ? 'json_limits' : 'job_limits';
  if (/MAX_INFLIGHT_BODY_BYTES/.test(text)) return 'inflight_bytes';
  if (/accept queue/.test(text)) return 'accept_queue';
  if (/event loop/.test(text)) return 'event_loop';
  if (/heap|memory/.test(text)) return 'heap';
  if (/shutting down|closing/.test(text)) return 'shutdown';
  if (/metrics of the other processes/.test(text)) return 'metrics';
  return 'queue_full';
}

export function installMetrics(app: FastifyInstance, metrics: Metrics, pool: JobPool): void {
  const { registry } = metrics;
  const latency = new TallyHistogram(registry, HTTP_LATENCY);
  new Gauge({ name: 'gradserve_queue_depth', help: 'Jobs waiting for a worker', registers: [registry], collect() { this.set(pool.queueSize); } });
  new Gauge({ name: 'gradserve_workers_busy', help: 'Workers running a job now', registers: [registry], collect() { this.set(pool.busy); } });
  new Gauge({ name: 'gradserve_workers', help: 'Worker threads', registers: [registry], collect() { this.set(pool.threads); } });

  app.addHook('onSend', (_req, reply, payload, done) => {
    const s = reply.statusCode;
    if (s === 413 || s === 503 || s === 504) metrics.reject(s, reasonOf(s, payload));
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    latency.observe(ms / 1000, route, req.method, String(reply.statusCode));
    if ((req.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info') ?? true) {
      const jobMs = reply.getHeader('x-job-ms');
      req.log.info({ route, method: req.method, status: reply.statusCode, ms: Math.round(ms * 1000) / 1000, ...(jobMs !== undefined ? { jobMs: Number(jobMs) } : {}) }, 'request');
    }
    done();
  });
  const inCluster = cluster.isWorker;
  if (inCluster) shareMetrics(registry);
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: false } }, async (_req, reply) => {
    if (!inCluster) {
      reply.type(registry.contentType);
      return registry.metrics();
    }
    let text: string;
    try {
      text = await clusterMetricsText();
    } catch (e) {
      // A partial sum would look like a drop in every counter: no answer is better.
      throw new ProblemError('metricsUnavailable', `the metrics of the other processes did not arrive (${(e as Error).message}); scrape again`);
    }
    reply.type(registry.contentType);
    return text;
  });
}

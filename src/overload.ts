// Overload protection: @fastify/under-pressure refuses new requests while the
// event loop lags or the heap is nearly full, and our own signals refuse new
// compute requests while the worker queue is full or the request bodies in
// flight would exceed their budget (src/admission.ts) — all before the body is
// parsed, as a problem+json 503 with Retry-After. /readyz reports the same.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cluster from 'node:cluster';
import { getHeapStatistics } from 'node:v8';
import type { Socket } from 'node:net';
import { AcceptQueueProbe, BodyBudget, LATE_MS, mib } from './admission.js';
import type { Config } from './config.js';
import { ProblemError } from './errors.js';
import type { JobPool } from './pool/pool.js';

/** Routes that stay up under pressure: probes and metrics must keep answering. */
const EXEMPT = /^\/(healthz|readyz|metrics)(\?|$)/;

function overloaded(cfg: Config, why: string): ProblemError {
  return new ProblemError('overloaded', `the service is overloaded (${why}); retry after ${cfg.retryAfterSeconds} s`, undefined, { 'retry-after': String(cfg.retryAfterSeconds) });
}

export async function installOverload(app: FastifyInstance, cfg: Config, pool: JobPool): Promise<void> {
  const heapLimit = cfg.maxHeapUsedBytes > 0 ? cfg.maxHeapUsedBytes : Math.floor(getHeapStatistics().heap_size_limit * 0.9);
  await app.register(underPressure, {
    maxEventLoopDelay: cfg.maxEventLoopDelayMs,
    maxHeapUsedBytes: heapLimit,
    retryAfter: cfg.retryAfterSeconds,
    // A non-null return is sent as the answer (under-pressure's types say void).
    pressureHandler: ((req: FastifyRequest, reply: FastifyReply, type: string) => {
      if (EXEMPT.test(req.url)) return undefined; // go on
      const p = overloaded(cfg, type === 'eventLoopDelay' ? 'event loop delay' : type === 'heapUsedBytes' ? 'heap use' : type);
      for (const [k, v] of Object.entries(p.headers ?? {})) reply.header(k, v);
      reply.code(503).type('application/problem+json');
      return JSON.stringify(p.toJSON());
    }) as unknown as (req: FastifyRequest, reply: FastifyReply, type: string) => void,
  });
  // While closing, requests still arriving on open connections get a problem
  // 503 with Retry-After and Connection: close (fastify's own 503 has neither).
  let closing = false;
  const budget = new BodyBudget(cfg.maxInflightBodyBytes);
  const probe = new AcceptQueueProbe(app.server);
  states.set(app, { budget, probe });
  // Not in a process of a cluster (PROCESSES > 1): there the primary accepts
  // connections and hands them round-robin to the processes, so the kernel's
  // accept queue is not this process's, and the probe's own connection may be
  // handed to another process: this one would never see it accepted and would
  // count an ever-growing wait (readiness lost for good).
  if (!cluster.isWorker) app.server.once('listening', () => probe.start());
  app.addHook('preClose', async () => probe.stop());
  app.addHook('onClose', async () => probe.stop());
  let shedAt = -Infinity; // last refusal of a POST /v1/*, for any reason
  app.addHook('preClose', async () => {
    closing = true;
  });
  const shed = (p: ProblemError): ProblemError => {
    shedAt = performance.now();
    return p;
  };
  app.addHook('onSend', (_req, reply, payload, done) => {
    // Keep-alive sockets end after their last answer, so the server can close.
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onRequest', (req, reply, done) => {
    if (closing && !EXEMPT.test(req.url)) {
      reply.header('connection', 'close');
      return done(new ProblemError('overloaded', `the service is shutting down; retry after ${cfg.retryAfterSeconds} s (on another instance)`, undefined, { 'retry-after': String(cfg.retryAfterSeconds) }));
    }
    const late = firstRequestLate(req, probe);
    if (req.method !== 'POST' || !req.url.startsWith('/v1/')) return done();
    if (pool.saturated) return done(shed(overloaded(cfg, `all ${cfg.workers} workers are busy and ${cfg.maxQueue} jobs are waiting`)));
    // A new connection that waited in the accept queue while the service was
    // shedding: its request is already late, and serving it would put that
    // wait into the accepted latency. Answered, the connection is now open
    // and its next request is judged like any other.
    if (late !== undefined && performance.now() - shedAt < OVERLOADED_MS) return done(shed(overloaded(cfg, `this connection waited ${Math.round(late)} ms or more in the accept queue`)));
    if (!budget.tryAdmit(req, reply)) return done(shed(overloaded(cfg, `${mib(budget.bytes)} of request bodies in flight, MAX_INFLIGHT_BODY_BYTES is ${mib(budget.budget)}`)));
    done();
  });
  // The body is parsed and validated: the main thread's share of its cost is behind it.
  app.addHook('preHandler', (_req, reply, done) => {
    budget.release(reply);
    done();
  });
}

/** The service counts as shedding for this long after it refused a POST /v1/*. */
const OVERLOADED_MS = 1000;

const states = new WeakMap<FastifyInstance, { budget: BodyBudget; probe: AcceptQueueProbe }>();
const seen = new WeakSet<Socket>();

/** For the first request on a connection that waited long to be accepted: how long (ms). */
function firstRequestLate(req: FastifyRequest, probe: AcceptQueueProbe): number | undefined {
  const socket = req.raw.socket;
  if (!socket || seen.has(socket)) return undefined;
  seen.add(socket);
  return probe.lateBy(socket);
}

/** The app's body budget (tests read its counters). */
export function bodyBudget(app: FastifyInstance): BodyBudget | undefined {
  return states.get(app)?.budget;
}

/** The app's accept-queue probe (tests drive it). */
export function acceptProbe(app: FastifyInstance): AcceptQueueProbe | undefined {
  return states.get(app)?.probe;
}

/** Whether the service should receive traffic: workers up, queue not full, body budget not refusing, no pressure. */
export function readiness(app: FastifyInstance, pool: JobPool): { ready: boolean; reason?: string } {
  if (pool.threads === 0) return { ready: false, reason: 'no workers' };
  if (pool.saturated) return { ready: false, reason: 'queue full' };
  const state = states.get(app);
  if (state?.budget.refusing) return { ready: false, reason: 'request bodies in flight' };
  if (state && state.probe.waitMs >= LATE_MS) return { ready: false, reason: 'accept queue' };
  if (typeof app.isUnderPressure === 'function' && app.isUnderPressure()) return { ready: false, reason: 'under pressure' };
  return { ready: true };
}

// Liveness and readiness.
import type { FastifyInstance } from 'fastify';
import { loadAddon } from '../native.js';
import { readiness } from '../overload.js';
import type { JobPool } from '../pool/pool.js';

export function healthRoutes(app: FastifyInstance, pool: JobPool): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is alive' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Workers are up and the queue is not saturated' } }, async (_req, reply) => {
    const { ready, reason } = readiness(app, pool);
    reply.code(ready ? 200 : 503);
    const blas = loadAddon().blasInfo();
    return { status: ready ? 'ready' : 'unavailable', ...(reason ? { reason } : {}), workers: pool.threads, busy: pool.busy, queued: pool.queueSize, blas: blas.enabled ? blas.core : 'built-in' };
  });
}

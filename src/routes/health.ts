// Liveness and readiness.
import type { FastifyInstance } from 'fastify';
import { loadAddon } from '../native.js';
import type { JobPool } from '../pool/pool.js';

export function healthRoutes(app: FastifyInstance, pool: JobPool): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is alive' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Workers are up and the queue is not saturated' } }, async (_req, reply) => {
    const ready = pool.threads > 0 && !pool.saturated;
    reply.code(ready ? 200 : 503);
    const blas = loadAddon().blasInfo();
    return { status: ready ? 'ready' : 'unavailable', workers: pool.threads, queued: pool.queueSize, blas: blas.enabled ? blas.core : 'built-in' };
  });
}

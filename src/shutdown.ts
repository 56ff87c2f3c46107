// Shutdown support: the app decorates itself with its pool's cancelAll so the
// server can stop jobs that outlive the grace period.
import type { FastifyInstance } from 'fastify';
import type { JobPool } from './pool/pool.js';

const CANCEL = Symbol.for('gradserve.cancelInFlight');

export function exposeCancel(app: FastifyInstance, pool: JobPool): void {
  (app as unknown as Record<symbol, () => void>)[CANCEL] = () => pool.cancelAll();
}

export function cancelInFlight(app: FastifyInstance): void {
  app.log.warn('grace period over: cancelling jobs in flight');
  (app as unknown as Record<symbol, (() => void) | undefined>)[CANCEL]?.();
}

// Optional bearer-token protection of /v1/* (API_KEY) with a constant-time
// comparison, and CORS for one origin (CORS_ORIGIN). Both off by default.
import cors from '@fastify/cors';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { ProblemError } from './errors.js';

// Hashing first makes both sides the same length, so timingSafeEqual never
// leaks the key's length.
const digest = (s: string) => createHash('sha256').update(s).digest();

export async function installAccess(app: FastifyInstance, cfg: Config): Promise<void> {
  if (cfg.corsOrigin) await app.register(cors, { origin: cfg.corsOrigin });
  const key = cfg.apiKey;
  if (!key) return;
  const expected = digest(key);
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/v1/')) return;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), expected))
      throw new ProblemError('unauthorized', 'this service requires `Authorization: Bearer <API_KEY>` on /v1/*', undefined, { 'www-authenticate': 'Bearer' });
  });
}

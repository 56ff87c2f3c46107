// The ceiling for /v1/graph: a bare fastify server whose POST /echo parses the
// JSON body and sends it back. Same framework and body, no work in between.
// PORT (required), HOST (default 127.0.0.1), WORKERS (node:cluster processes
// sharing the port, default 1: the ceiling the issue names is one process;
// the bench also loads 2 to show that a second process does not raise it on
// a machine whose other core runs the load generator).
import Fastify from 'fastify';
import { serveInProcesses } from './cluster.js';

await serveInProcesses('echo', Math.max(1, Number(process.env.WORKERS ?? 1)), async () => {
  const app = Fastify({ logger: false });
  app.post('/echo', async (req) => req.body);
  app.get('/readyz', async () => ({ status: 'ready' }));
  await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => app.close().then(() => process.exit(0)));
});

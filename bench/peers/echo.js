// The ceiling for /v1/graph: a bare fastify server whose POST /echo parses the
// JSON body and sends it back. Same framework and body, no work in between.
// PORT (required), HOST (default 127.0.0.1).
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/echo', async (req) => req.body);
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => app.close().then(() => process.exit(0)));

// buildApp(config): the fastify instance, used by the server and by tests
// (through inject). Wires schemas, docs, error handling, the pool and routes.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import { loadConfig, type Config } from './config.js';
import { installAccess } from './auth.js';
import { ProblemError } from './errors.js';
import { JobPool } from './pool/pool.js';
import { registerBinaryBodies } from './routes/binary.js';
import { graphRoutes } from './routes/graph.js';
import { healthRoutes } from './routes/health.js';
import { opsRoutes } from './routes/ops.js';
import { optimizeRoutes } from './routes/optimize.js';
import { optimizerRoutes } from './routes/optimizers.js';

export const API_VERSION = '1.0.0';

export async function buildApp(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const cfg = loadConfig(process.env, overrides);
  const app = Fastify({
    logger: { level: cfg.logLevel, redact: ['req.headers.authorization'] },
    bodyLimit: cfg.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // Schemas validate structure; responses are plain JSON (zod would walk every element).
    ajv: undefined,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const pool = new JobPool(cfg);
  app.addHook('onClose', async () => pool.close());
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  installErrorHandling(app);
  await installAccess(app, cfg);
  registerBinaryBodies(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'gradserve',
        version: API_VERSION,
        description:
          'Tensor graphs, losses, gradients of any order and optimizer steps with PyTorch semantics, computed by a native C++ autograd engine. Errors are application/problem+json (RFC 9457).',
      },
      tags: [
        { name: 'graph', description: 'Evaluate tensor graphs and their gradients' },
        { name: 'optimizers', description: 'Optimizer steps, schedulers and training loops (torch.optim semantics)' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  graphRoutes(app, cfg, pool);
  opsRoutes(app);
  optimizerRoutes(app, cfg, pool);
  optimizeRoutes(app, cfg, pool);
  healthRoutes(app, pool);
  return app;
}

function sendProblem(reply: import('fastify').FastifyReply, p: ProblemError) {
  if (p.headers) for (const [k, v] of Object.entries(p.headers)) reply.header(k, v);
  return reply.code(p.status).type('application/problem+json').send(JSON.stringify(p.toJSON()));
}

function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ProblemError) return sendProblem(reply, err);
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }));
      return sendProblem(reply, new ProblemError('invalidRequest', `the request body does not match the schema: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors));
    }
    const e = err as { code?: string; statusCode?: number; message: string };
    switch (e.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, new ProblemError('tooLarge', `the request body is larger than BODY_LIMIT_BYTES (${app.initialConfig.bodyLimit} bytes)`));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, new ProblemError('unsupportedMediaType', 'send application/json (or application/octet-stream for the binary framing)'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, new ProblemError('invalidJson', 'the request body is empty; send a JSON object'));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendProblem(reply, new ProblemError('invalidJson', `the body is not valid JSON: ${e.message}`));
      default:
        break;
    }
    if (err instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
      return sendProblem(reply, new ProblemError('invalidJson', `the body is not valid JSON: ${e.message}`));
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return sendProblem(reply, new ProblemError(e.statusCode === 413 ? 'tooLarge' : e.statusCode === 404 ? 'notFound' : 'invalidRequest', e.message));
    req.log.error({ err }, 'unhandled error');
    return sendProblem(reply, new ProblemError('internal', 'an unexpected error occurred; it was logged with this request id: ' + req.id));
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(
      reply,
      new ProblemError('notFound', `no route ${req.method} ${req.url.split('?')[0]}; see GET /docs for the API (routes: POST /v1/graph, GET /v1/ops, GET /v1/optimizers, POST /v1/optimizers/{name}/step, GET /v1/schedulers, POST /v1/optimize, GET /healthz, GET /readyz, GET /openapi.json)`),
    ),
  );
}

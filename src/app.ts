// buildApp(config): the fastify instance, used by the server and by tests
// (through inject). Wires schemas, docs, error handling, the pool and routes.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import { loadConfig, type Config } from './config.js';
import { installAccess } from './auth.js';
import { ProblemError } from './errors.js';
import { applyGemmChoice } from './gemm-choice.js';
import { tuneMalloc } from './malloc-tuning.js';
import { loadAddon } from './native.js';
import { JobPool } from './pool/pool.js';
import { createMetrics, installMetrics } from './metrics.js';
import { installOverload } from './overload.js';
import { exposeCancel } from './shutdown.js';
import { installSecurity } from './security.js';
import { registerJsonBodies, type BodyShortcuts } from './json-body.js';
import { activationRoutes } from './routes/activations.js';
import { lossRoutes } from './routes/losses.js';
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
    // Errors fastify raises before routing (a malformed URL, an over-long path
    // parameter) are problems too, never its own JSON or a 414.
    frameworkErrors: (err, _req, reply) =>
      sendProblem(reply, new ProblemError('invalidRequest', (err as { code?: string }).code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is longer than 100 characters; no route or name is that long' : 'the URL is malformed')),
    // src/overload.ts answers while closing (problem+json, Retry-After).
    return503OnClosing: false,
    genReqId: () => crypto.randomUUID(),
    // One line per request from src/metrics.ts (route, status, times), not fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Schemas validate structure; responses are plain JSON (zod would walk every element).
    ajv: undefined,
  });
  const gemm = applyGemmChoice(cfg.gemm, loadAddon());
  app.log.info({ gemm: gemm.backend, why: gemm.why, speeds: gemm.speeds }, 'GEMM backend');
  const malloc = tuneMalloc(cfg.mallocRetainBytes, loadAddon());
  app.log.info(malloc, 'malloc tuning');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const metrics = createMetrics();
  const pool = new JobPool(cfg, metrics.hooks);
  app.addHook('onClose', async () => pool.close());
  exposeCancel(app, pool);
  // Hooks on every request are callback-style: an async hook costs a promise
  // and a microtask turn per request.
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });

  installErrorHandling(app);
  installMetrics(app, metrics, pool);
  await installOverload(app, cfg, pool);
  await installSecurity(app, cfg);
  await installAccess(app, cfg);
  const bodyShortcuts: BodyShortcuts = new Map();
  registerJsonBodies(app, cfg, bodyShortcuts);
  registerBinaryBodies(app, cfg);

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
        { name: 'activations', description: 'Activation functions, their gradients, Jacobians and plots' },
        { name: 'losses', description: 'Every torch.nn.functional loss, its value and its gradients' },
        { name: 'optimizers', description: 'Optimizer steps, schedulers and training loops (torch.optim semantics)' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  graphRoutes(app, cfg, pool, bodyShortcuts);
  activationRoutes(app, cfg, pool);
  lossRoutes(app, cfg, pool);
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
      // body, querystring or params: the query's paths start with /query, as in /v1/activations/{name}/plot.svg.
      const context = (err as { validationContext?: string }).validationContext ?? 'body';
      const prefix = context === 'querystring' ? '/query' : context === 'params' ? '/params' : '';
      const errors = err.validation.map((v) => ({ path: prefix + v.instancePath || '/', message: v.message ?? 'invalid' }));
      const what = context === 'querystring' ? 'query string' : context === 'params' ? 'path' : context;
      return sendProblem(reply, new ProblemError('invalidRequest', `the request ${what} does not match the schema: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors));
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
      new ProblemError('notFound', `no route ${req.method} ${req.url.split('?')[0]}; see GET /docs for the API (routes: POST /v1/graph, GET /v1/ops, GET /v1/activations, POST /v1/activations/{name}, GET /v1/activations/{name}/plot.svg, GET /v1/losses, POST /v1/losses/{name}, GET /v1/optimizers, POST /v1/optimizers/{name}/step, GET /v1/schedulers, POST /v1/optimize, GET /healthz, GET /readyz, GET /openapi.json)`),
    ),
  );
}

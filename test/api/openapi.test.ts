import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

describe('OpenAPI and docs', () => {
  it('serves an OpenAPI 3.1 document that documents /v1/graph and /v1/ops with examples', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/graph'].post.requestBody.content['application/json'].schema).toBeTruthy();
    const ref = doc.paths['/v1/graph'].post.requestBody.content['application/json'].schema.$ref as string;
    const body = doc.components.schemas[ref.split('/').pop()!];
    expect(body.examples.length).toBeGreaterThan(0);
    expect(JSON.stringify(body.examples)).toContain('mse_loss');
    expect(doc.paths['/v1/ops'].get).toBeTruthy();
  });

  it('is a valid OpenAPI 3.1 document (schema validation)', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents the optimizer routes with examples', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const p of ['/v1/optimizers', '/v1/schedulers']) expect(doc.paths[p].get).toBeTruthy();
    const schemaOf = (path: string) => {
      const ref = doc.paths[path].post.requestBody.content['application/json'].schema.$ref as string;
      return doc.components.schemas[ref.split('/').pop()!];
    };
    expect(JSON.stringify(schemaOf('/v1/optimizers/{name}/step').examples)).toContain('momentum');
    expect(JSON.stringify(schemaOf('/v1/optimize').examples)).toContain('strong_wolfe');
  });

  it('matches the committed openapi/openapi.json (run `npm run openapi` after changing a schema)', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const committed = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'));
    expect(res.json()).toEqual(committed);
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });
});

import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers.js';

const body = { inputs: { x: 1 }, program: 'y = x + 1' };

describe('API_KEY and CORS_ORIGIN', () => {
  it('requires the bearer key on /v1/* when API_KEY is set, not on health checks', async () => {
    const app = await testApp({ apiKey: 's3cret' });
    try {
      const none = await app.inject({ method: 'POST', url: '/v1/graph', payload: body });
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
      const wrong = await app.inject({ method: 'POST', url: '/v1/graph', payload: body, headers: { authorization: 'Bearer nope' } });
      expect(wrong.statusCode).toBe(401);
      const right = await app.inject({ method: 'POST', url: '/v1/graph', payload: body, headers: { authorization: 'Bearer s3cret' } });
      expect(right.statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('answers CORS preflights only for CORS_ORIGIN', async () => {
    const app = await testApp({ corsOrigin: 'https://example.org' });
    try {
      const res = await app.inject({
        method: 'OPTIONS',
        url: '/v1/graph',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
      });
      expect(res.headers['access-control-allow-origin']).toBe('https://example.org');
    } finally {
      await app.close();
    }
    const plain = await testApp();
    try {
      const res = await plain.inject({ method: 'POST', url: '/v1/graph', payload: body, headers: { origin: 'https://example.org' } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

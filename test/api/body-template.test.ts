// /v1/graph bodies read through a text template (src/ir/body-template.ts):
// once a client has sent the same request text twice, later bodies with other
// numbers are read without JSON.parse — and answer exactly what a fresh
// service (the general path) answers for the same text, in every encoding,
// for every spelling of the numbers, and with the same problem for a body
// whose "number" JSON does not allow.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testApp } from '../helpers.js';

const NET = (x: string[], w1: string[]) =>
  `{"inputs": {"x": [[${x.join(', ')}]], "w1": {"data": [[${w1[0]}, ${w1[1]}], [${w1[2]}, ${w1[3]}]], "requires_grad": true}, "b1": {"data": [0.35, 0.35], "requires_grad": true},
  "w2": {"data": [[0.4, 0.45], [0.5, 0.55]], "requires_grad": true}, "b2": {"data": [0.6, 0.6], "requires_grad": true, "dtype": "float64"}, "t": [[0.01, 0.99]]},
  "program": "h = sigmoid(x @ w1.T + b1)\\no = sigmoid(h @ w2.T + b2)\\nloss = mse_loss(o, t)", "outputs": ["loss", "o", "h"], "backward": {"of": "loss", "wrt": ["w1", "b1", "w2", "b2"]}__ENC__}`;

const bodyOf = (x: string[], w1: string[], encoding = '') => NET(x, w1).replace('__ENC__', encoding);

type Sent = { payload: string; headers?: Record<string, string> };
const send = (app: FastifyInstance, s: Sent) => app.inject({ method: 'POST', url: '/v1/graph', payload: s.payload, headers: { 'content-type': 'application/json', ...s.headers } });

/** What a service that never saw the text answers (status, type, body): the general path. */
async function fresh(s: Sent) {
  const app = await testApp();
  try {
    const r = await send(app, s);
    return { status: r.statusCode, type: r.headers['content-type'], body: r.rawPayload.toString('base64') };
  } finally {
    await app.close();
  }
}

describe('POST /v1/graph through a text template', () => {
  // A service of its own per test: what it has learned is the test's.
  let app: FastifyInstance;
  beforeEach(async () => {
    app = await testApp();
  });
  afterEach(async () => {
    await app.close();
  });

  const variants: Array<[string[], string[]]> = [
    [['0.05', '0.1'], ['0.15', '0.2', '0.25', '0.3']],
    [['0.05', '0.1'], ['0.15', '0.2', '0.25', '0.3']],
    [['-1', '2.5e-1'], ['1E2', '-0', '3.0000000000000000001', '1e-400']],
    [['123456789012345678', '0.000001'], ['7', '-7.25', '1.5e+3', '0.1']],
    [['1e400', '-2'], ['0', '0.5', '0.25', '-0.125']],
  ];

  for (const [label, encoding, headers] of [
    ['JSON answers', '', {}],
    ['base64 answers', ', "encoding": "base64"', {}],
    ['binary answers', '', { accept: 'application/octet-stream' }],
  ] as const) {
    it(`answers each body as a fresh service does (${label}), reading bodies after the second without JSON.parse`, async () => {
      const parse = vi.spyOn(JSON, 'parse');
      try {
        for (const [i, [x, w1]] of variants.entries()) {
          const s: Sent = { payload: bodyOf(x, w1, encoding), headers };
          parse.mockClear();
          const r = await send(app, s);
          const parsedBody = parse.mock.calls.some(([text]) => text === s.payload);
          // The first two bodies teach the template; every later one is read by it.
          expect(parsedBody, `body ${i} parsed by JSON.parse`).toBe(i < 2);
          const want = await fresh(s);
          expect({ status: r.statusCode, type: r.headers['content-type'], body: r.rawPayload.toString('base64') }).toEqual(want);
          expect(r.statusCode).toBe(200);
        }
      } finally {
        parse.mockRestore();
      }
    });
  }

  it('answers a body whose number JSON does not allow with the general path\'s problem', async () => {
    const good = bodyOf(['0.05', '0.1'], ['0.15', '0.2', '0.25', '0.3']);
    await send(app, { payload: good });
    await send(app, { payload: good });
    for (const bad of ['01', '.5', '1.', '-', '+1', 'NaN', '1e']) {
      const s = { payload: bodyOf([bad, '0.1'], ['0.15', '0.2', '0.25', '0.3']) };
      const r = await send(app, s);
      expect(r.statusCode).toBe(400);
      expect({ status: r.statusCode, type: r.headers['content-type'], body: r.rawPayload.toString('base64') }).toEqual(await fresh(s));
    }
    // And the template still reads the next good body.
    const next = bodyOf(['0.5', '0.5'], ['1', '2', '3', '4']);
    const r = await send(app, { payload: next });
    expect(r.rawPayload.toString('base64')).toBe((await fresh({ payload: next })).body);
  });
});

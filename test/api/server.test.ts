// The real service over a real socket: `node dist/server.js` (what
// `npm start` runs), configured by environment variables, then SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitReady } from '../helpers.js';

let proc: ChildProcess;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  proc = spawn(process.execPath, ['dist/server.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(base);
});

afterAll(async () => {
  if (proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
});

describe('the real server', () => {
  it('answers /healthz and a graph over HTTP', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const res = await fetch(`${base}/v1/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { x: [1.0], w: { data: [2.0], requires_grad: true } }, program: 'loss = mse_loss(x * w, ones(1))' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const body = (await res.json()) as { grads: { w: { data: number[] } } };
    expect(body.grads.w.data).toEqual([2]);
  });

  it('answers problem+json for a bad body', async () => {
    const res = await fetch(`${base}/v1/graph`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs":' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

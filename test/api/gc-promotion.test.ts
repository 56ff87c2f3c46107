// Small /v1/graph requests must not outlive the young generation. A request's
// objects die within milliseconds; when something long-lived points at them
// (src/routes/run-graph.ts: an object literal with a getter got a hidden class
// of its own in the old generation), every request is promoted, scavenges
// copy far more and the old generation fills for a mark-compact every few
// seconds — the tail latency of issue 7. The real server runs with V8's
// --trace-gc-nvp; the figure checked is bytes promoted per scavenge (~280 KB
// with the getter literal, ~4 KB without, at 50 connections), not a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, NET_222, waitReady } from '../helpers.js';

const BODY = JSON.stringify({ ...NET_222, outputs: ['loss', 'o', 'h'], backward: { of: 'loss', wrt: ['w1', 'b1', 'w2', 'b2'] } });

let proc: ChildProcess;
let base: string;
let trace = '';

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  proc = spawn(process.execPath, ['--trace-gc-nvp', 'dist/server.js'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '1', PROCESSES: '1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  proc.stdout!.on('data', (b: Buffer) => (trace += b.toString()));
  await waitReady(base);
});

afterAll(async () => {
  if (proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
});

/** `promoted=` of each scavenge of the serving thread traced so far. */
function promotedPerScavenge(): number[] {
  return trace
    .split('\n')
    .filter((l) => / gc=s /.test(l))
    .map((l) => Number(/ promoted=(\d+)/.exec(l)?.[1]));
}

describe('young-generation GC under small graph requests', () => {
  it('promotes next to nothing per scavenge', async () => {
    const post = async () => {
      const r = await fetch(`${base}/v1/graph`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    };
    // Warm-up: the first run goes to the pool, later ones run inline; start-up's own GCs pass.
    for (let i = 0; i < 200; i++) await post();
    const before = promotedPerScavenge().length;
    // 50 requests in flight, as the bench's load; enough for several scavenges.
    let left = 6000;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (left-- > 0) await post();
      }),
    );
    const steady = promotedPerScavenge().slice(before);
    expect(steady.length, 'scavenges during the load').toBeGreaterThanOrEqual(3);
    const sorted = [...steady].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    expect(median, `bytes promoted per scavenge: ${steady.join(' ')}`).toBeLessThan(64 * 1024);
  }, 120_000);
});

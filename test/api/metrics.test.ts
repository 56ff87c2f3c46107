// GET /metrics: request counts and latencies by route and status, queue and
// worker gauges, job timings, rejections by reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => app.close());

describe('GET /metrics', () => {
  it('counts requests by route pattern and status, times jobs, counts rejections by reason', async () => {
    await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: { x: 1 }, program: 'y = x * 2' } });
    await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: {}, program: 'y = zeros([100000, 100000])' } });
    await app.inject({ method: 'POST', url: '/v1/activations/relu', payload: { input: [1, -1] } });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const m = res.body;
    expect(m).toContain('gradserve_http_requests_total{route="/v1/graph",method="POST",status="200"} 1');
    expect(m).toContain('gradserve_http_requests_total{route="/v1/graph",method="POST",status="413"} 1');
    expect(m).toContain('gradserve_http_requests_total{route="/v1/activations/:name",method="POST",status="200"} 1');
    // The one 200 lands in the bucket its own latency belongs to (how fast it is
    // depends on the machine and the build, e.g. ASan): buckets below it count 0,
    // it and those above count 1, and the sum is that latency.
    const labels = 'route="/v1/graph",method="POST",status="200"';
    expect(m).toContain(`gradserve_http_request_duration_seconds_count{${labels}} 1`);
    const sum = Number(new RegExp(`gradserve_http_request_duration_seconds_sum\\{${labels}\\} (\\S+)`).exec(m)?.[1]);
    expect(sum).toBeGreaterThan(0);
    const buckets = [...m.matchAll(new RegExp(`gradserve_http_request_duration_seconds_bucket\\{le="([^"]+)",${labels}\\} (\\d+)`, 'g'))].map((b) => [b[1] === '+Inf' ? Infinity : Number(b[1]), Number(b[2])] as const);
    expect(buckets.length).toBe(15); // 14 bounds and +Inf
    for (const [le, count] of buckets) expect(count, `le=${le}`).toBe(sum <= le ? 1 : 0);
    expect(m).toContain('gradserve_rejections_total{status="413",reason="job_limits"} 1');
    expect(m).toMatch(/gradserve_job_run_seconds_count\{kind="graph",outcome="ok"\} [1-9]/);
    expect(m).toMatch(/gradserve_job_wait_seconds_count\{kind="graph"\} [1-9]/);
    expect(m).toMatch(/^gradserve_queue_depth 0$/m);
    expect(m).toMatch(/^gradserve_workers_busy 0$/m);
    expect(m).toMatch(/^gradserve_workers 1$/m);
    expect(m).toMatch(/gradserve_process_resident_memory_bytes \d+/);
  });
});

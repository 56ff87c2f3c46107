// src/tally-metrics.ts against prom-client's own Counter and Histogram: the
// same observations must print the same exposition text, aggregate the same
// way across processes (AggregatorRegistry, as a cluster scrape does) and
// reset the same way. Families as the service declares them: the HTTP latency
// histogram with its request counter (3 labels), a job counter (2 labels) and
// a job wait histogram (1 label).
import fc from 'fast-check';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HTTP_LATENCY } from '../src/metrics.js';
import { TallyCounter, TallyHistogram } from '../src/tally-metrics.js';

const BUCKETS = HTTP_LATENCY.buckets;

type Observation = [route: string, method: string, status: number, seconds: number];

function ours(observations: Observation[]) {
  const registry = new Registry();
  const latency = new TallyHistogram(registry, HTTP_LATENCY);
  const jobs = new TallyCounter(registry, { name: 'jobs_total', help: 'Jobs', labelNames: ['kind', 'outcome'] });
  const wait = new TallyHistogram(registry, { name: 'wait_seconds', help: 'Wait', labelNames: ['kind'], buckets: [0.5, 1] });
  for (const [route, method, s, sec] of observations) {
    latency.observe(sec, route, method, String(s));
    jobs.inc(method, String(s));
    wait.observe(sec, route);
  }
  return registry;
}

function promClients(observations: Observation[]) {
  const registry = new Registry();
  const { name, help, labelNames, buckets, countedAs } = HTTP_LATENCY;
  const requests = new Counter({ name: countedAs.name, help: countedAs.help, labelNames: [...labelNames], registers: [registry] });
  const latency = new Histogram({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [registry] });
  const jobs = new Counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['kind', 'outcome'], registers: [registry] });
  const wait = new Histogram({ name: 'wait_seconds', help: 'Wait', labelNames: ['kind'], buckets: [0.5, 1], registers: [registry] });
  for (const [route, method, s, sec] of observations) {
    const status = String(s);
    requests.inc({ route, method, status });
    latency.observe({ route, method, status }, sec);
    jobs.inc({ kind: method, outcome: status });
    wait.observe({ kind: route }, sec);
  }
  return registry;
}

const observation = fc.tuple(
  fc.constantFrom('/v1/graph', '/v1/losses/:name', 'unmatched', '/metrics'),
  fc.constantFrom('POST', 'GET'),
  fc.constantFrom(200, 400, 404, 503),
  // bounds themselves, values between and past them, zero
  fc.oneof(fc.constantFrom(0, ...BUCKETS, 31, 1e6), fc.double({ min: 0, max: 40, noNaN: true })),
) as fc.Arbitrary<Observation>;

describe('tallies print what prom-client prints', () => {
  it('the same text for the same observations (counter then histogram, every label set)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (obs) => {
        expect(await ours(obs).metrics()).toBe(await promClients(obs).metrics());
      }),
      { numRuns: 200 },
    );
  });

  it('the same JSON, and the same aggregate over several processes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(observation, { maxLength: 30 }), { minLength: 1, maxLength: 3 }), async (perProcess) => {
        const a = await Promise.all(perProcess.map((obs) => ours(obs).getMetricsAsJSON()));
        const b = await Promise.all(perProcess.map((obs) => promClients(obs).getMetricsAsJSON()));
        // (prom-client's values carry `exemplar: null`, which nothing reads without exemplars)
        const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'exemplar' && v == null ? undefined : v)));
        expect(plain(a)).toEqual(plain(b));
        expect(await AggregatorRegistry.aggregate(a).metrics()).toBe(await AggregatorRegistry.aggregate(b).metrics());
      }),
      { numRuns: 100 },
    );
  });

  it('counts a value equal to a bound in that bound (le), and one past the last only in +Inf', async () => {
    const text = await ours([['/r', 'GET', 200, 0.005], ['/r', 'GET', 200, 31]]).metrics();
    expect(text).toContain('gradserve_http_request_duration_seconds_bucket{le="0.0025",route="/r",method="GET",status="200"} 0');
    expect(text).toContain('gradserve_http_request_duration_seconds_bucket{le="0.005",route="/r",method="GET",status="200"} 1');
    expect(text).toContain('gradserve_http_request_duration_seconds_bucket{le="30",route="/r",method="GET",status="200"} 1');
    expect(text).toContain('gradserve_http_request_duration_seconds_bucket{le="+Inf",route="/r",method="GET",status="200"} 2');
    expect(text).toContain('gradserve_http_requests_total{route="/r",method="GET",status="200"} 2');
  });

  it('a registry reset clears both', async () => {
    const registry = ours([['/r', 'GET', 200, 0.1]]);
    registry.resetMetrics();
    const text = await registry.metrics();
    expect(text).not.toContain('route="/r"');
    expect(text).toContain('# TYPE gradserve_http_requests_total counter');
    expect(text).toContain('# TYPE gradserve_http_request_duration_seconds histogram');
  });
});

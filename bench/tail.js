// Tail latency of the 2-2-2 request (bench/graph-222.js) under load, for
// variants of how the service is started — node flags, environment — side by
// side in interleaved rounds (so a change in the shared machine's load hits
// every variant alike). For the p99 goal of issue 7: which start-up choice
// moves the tail, at what cost in throughput.
//   VARIANTS='{"base":{},"one-gc-thread":{"flags":["--single-threaded-gc"]}}' node bench/tail.js
// A variant is {flags?: [node flags], env?: {VAR: value}, dir?: another
// checkout (built, as for bench/ab-builds.js; run with its own start flags),
// plain?: true (this checkout without its start flags), echo?: true}; each
// runs as `npm start` does (PROCESSES=2, WORKERS=1 unless its env says
// otherwise); with echo, the bare fastify echo of bench/peers/echo.js in 2
// processes (the ceiling) instead of gradserve.
// Env: ROUNDS (4), DURATION (s per round and variant, 6), CONNECTIONS (50).
import { freePort, HOST, START_ARGS, startArgsOf, startService, fmt, median, table } from './lib.js';
import { BODY } from './graph-222.js';
import autocannon from 'autocannon';
import { resolve } from 'node:path';

const VARIANTS = JSON.parse(process.env.VARIANTS ?? '{"base":{}}');
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const DURATION = Number(process.env.DURATION ?? 6);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);

const PCTS = ['p50', 'p90', 'p97_5', 'p99', 'p99_9', 'max'];

async function loadOnce(url) {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY, connections: CONNECTIONS, duration: DURATION });
  return { rps: r.requests.average, failed: r.errors + r.timeouts + r.non2xx, ...Object.fromEntries(PCTS.map((k) => [k, r.latency[k]])) };
}

const services = [];
try {
  for (const [name, v] of Object.entries(VARIANTS)) {
    const port = await freePort();
    const ECHO = v.echo === true;
    // The echo's WORKERS is its processes; gradserve's is worker threads per process.
    const env = { PORT: String(port), HOST, PROCESSES: '2', WORKERS: ECHO ? '2' : '1', LOG_LEVEL: 'warn', ...(v.env ?? {}) };
    // A checkout runs as its own `npm start` does (its node flags too); `plain` drops this one's flags.
    const base = ECHO ? ['bench/peers/echo.js'] : v.dir ? startArgsOf(resolve(v.dir)) : v.plain ? START_ARGS.filter((a) => !a.startsWith('--')) : START_ARGS;
    const args = [...(v.flags ?? []), ...base];
    const s = await startService(name, process.execPath, args, { env, port });
    services.push({ name, url: s.url + (ECHO ? '/echo' : '/v1/graph'), s, runs: [] });
    await autocannon({ url: services.at(-1).url, method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY, connections: CONNECTIONS, duration: 2 }); // warm-up
  }
  for (let r = 0; r < ROUNDS; r++) for (const v of services) v.runs.push(await loadOnce(v.url));
  console.log(`2-2-2 request, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION} s; latency in ms, median of the rounds (each round's p99 in brackets)`);
  const rows = [['variant', 'req/s', ...PCTS, 'p99 per round', 'failed']];
  for (const v of services)
    rows.push([v.name, fmt(median(v.runs.map((x) => x.rps)), 0), ...PCTS.map((k) => fmt(median(v.runs.map((x) => x[k])), 1)), v.runs.map((x) => x.p99).join(' '), v.runs.reduce((a, x) => a + x.failed, 0)]);
  console.log(table(rows));
} finally {
  await Promise.all(services.map((v) => v.s.stop()));
}

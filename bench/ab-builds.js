// Two builds of gradserve side by side: the 2-2-2 request of bench/graph-222.js
// against each, loaded in interleaved rounds (so a change in the shared
// machine's load hits both alike), as `npm start` runs them with PROCESSES=2,
// WORKERS=1 (as the graph-222 scenario). For before/after figures of a change:
//   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
//   npm run build && node bench/ab-builds.js /tmp/before .
// Each argument is a checkout with `npm ci` and `npm run build` done. Env:
// ROUNDS (4), DURATION (s per round and build, 6), CONNECTIONS (50).
import { resolve } from 'node:path';
import { freePort, HOST, load, startArgsOf, startService } from './lib.js';
import { BODY } from './graph-222.js';

const dirs = process.argv.slice(2).map((d) => resolve(d));
if (dirs.length < 2) {
  console.error('usage: node bench/ab-builds.js CHECKOUT_A CHECKOUT_B [...]');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const DURATION = Number(process.env.DURATION ?? 6);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);

const services = [];
try {
  for (const dir of dirs) {
    const port = await freePort();
    const args = startArgsOf(dir); // each build as its own `npm start` runs it (its node flags too)
    services.push(await startService(dir, process.execPath, args, { env: { PORT: String(port), HOST, PROCESSES: '2', WORKERS: '1', LOG_LEVEL: 'warn' }, port }));
    await load(services.at(-1).url + '/v1/graph', BODY, { connections: CONNECTIONS, duration: 2 }); // warm-up
  }
  const runs = dirs.map(() => []);
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < dirs.length; i++) runs[i].push(await load(services[i].url + '/v1/graph', BODY, { connections: CONNECTIONS, duration: DURATION }));
  console.log(`2-2-2 graph, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${DURATION} s`);
  for (let i = 0; i < dirs.length; i++) {
    const mean = runs[i].reduce((a, x) => a + x.rps, 0) / ROUNDS;
    console.log(`${dirs[i]}: mean ${Math.round(mean)} req/s; rounds ${runs[i].map((x) => `${Math.round(x.rps)} (p99 ${x.p99} ms${x.errors + x.non2xx ? `, ${x.errors + x.non2xx} failed` : ''})`).join(', ')}`);
  }
} finally {
  await Promise.all(services.map((s) => s.stop()));
}

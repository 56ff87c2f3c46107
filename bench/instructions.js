// User-space instructions per request over real HTTP, counted by valgrind's
// callgrind: a figure that does not move with the machine's background load,
// so changes of 1–2 µs per request (invisible under the ±10% noise of the
// req/s and CPU-time benches on a shared 2-core machine) can be compared.
//
//   node bench/instructions.js            # the 2-2-2 request on /v1/graph
//   ROUTE=/echo-bench node bench/instructions.js   # the app's own echo route
//   DIST=/tmp/before node bench/instructions.js    # another built checkout
//   ROUTE=bare node bench/instructions.js          # the ceiling: a bare fastify echo (bench/peers/echo.js's route)
//
// The app runs in this process under callgrind; the client is a plain node
// child process (not instrumented) holding CONNECTIONS keep-alive connections
// for the whole run, so the measured requests pay no connection set-up and
// no re-optimisation caused by new connections. Counting is switched on
// (callgrind_control) only around the measured N requests, after WARM warm-up
// requests. The count covers every thread of the process (main thread, worker
// threads, GC and compiler threads), not the kernel's share (socket writes).
// Env: ROUTE (/v1/graph), N (2000), WARM (20000), CONNECTIONS (10), DIST (this
// checkout: the directory whose dist/ is loaded), KEEP (keep the callgrind
// file and print its path, for callgrind_annotate).
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const N = Number(process.env.N ?? 2000);
const WARM = Number(process.env.WARM ?? 20000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const ROUTE = process.env.ROUTE ?? '/v1/graph';
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === 'client') await client(process.argv[3]);
else if (process.env.GS_UNDER_CALLGRIND) await server();
else launch();

/** Re-runs this script under callgrind and prints instructions per request. */
function launch() {
  const dir = mkdtempSync(join(tmpdir(), 'gs-instr-'));
  const nodeFlags = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const r = spawnSync('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'callgrind.out.%p')}`, process.execPath, ...nodeFlags, self], {
    env: { ...process.env, GS_UNDER_CALLGRIND: '1' },
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`valgrind did not start (${r.error.message}); install it: apt-get install valgrind`);
  const file = readdirSync(dir).find((f) => f.startsWith('callgrind.out.'));
  if (r.status !== 0 || !file) {
    process.stderr.write(r.stderr.split('\n').filter((l) => !l.startsWith('==')).join('\n'));
    throw new Error(`the run under callgrind failed (exit ${r.status})`);
  }
  const text = readFileSync(join(dir, file), 'utf8');
  const total = Number(/^totals:\s+(\d+)/m.exec(text)?.[1]);
  console.log(`${ROUTE}: ${Math.round(total / N)} instructions per request (user space, all threads; ${N} requests after ${WARM} warm-up, ${CONNECTIONS} keep-alive connections)`);
  if (process.env.KEEP) console.log(`callgrind file: ${join(dir, file)}`);
  else rmSync(dir, { recursive: true, force: true });
}

async function server() {
  const { BODY } = await import('./graph-222.js');
  const app = ROUTE === 'bare' ? await bareEcho() : await gradserve();
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const child = fork(self, ['client', base + (ROUTE === 'bare' ? '/echo' : ROUTE)], { env: { ...process.env, GS_UNDER_CALLGRIND: '', BODY } });
  const send = (n) =>
    new Promise((resolve, reject) => {
      child.once('message', (m) => (m.failed ? reject(new Error(`${m.failed} of ${n} requests failed: ${m.first}`)) : resolve()));
      child.send({ n });
    });
  await send(WARM);
  execFileSync('callgrind_control', ['-i', 'on', String(process.pid)], { stdio: 'ignore' });
  await send(N);
  execFileSync('callgrind_control', ['-i', 'off', String(process.pid)], { stdio: 'ignore' });
  child.kill();
  await app.close();
  process.exit(0);
}

async function gradserve() {
  const dist = process.env.DIST ?? join(self, '..', '..');
  const { buildApp } = await import(pathToFileURL(join(dist, 'dist', 'app.js')).href);
  const app = await buildApp({ logLevel: 'warn', workers: 1, maxEventLoopDelayMs: 0 });
  app.post('/echo-bench', (req, reply) => {
    reply.send(req.body);
  });
  // The accept-queue probe connects to the listener every 100 ms of wall
  // time: under callgrind a request takes ~50x longer, so the probe's
  // connections weighed ~10-20k instructions per request, varying with the
  // machine's speed. Counts are of requests, so it is stopped once listening.
  const { acceptProbe } = await import(pathToFileURL(join(dist, 'dist', 'overload.js')).href);
  app.server.once('listening', () => setImmediate(() => acceptProbe?.(app)?.stop()));
  return app;
}

async function bareEcho() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.post('/echo', async (req) => req.body);
  return app;
}

/** CONNECTIONS loops of keep-alive requests; each {n} message runs n requests and answers. */
async function client(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const body = Buffer.from(process.env.BODY);
  const one = () =>
    new Promise((resolve) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(res.statusCode === 200 ? undefined : `${res.statusCode} ${text}`));
      });
      req.on('error', (e) => resolve(e.message));
      req.end(body);
    });
  process.on('message', async ({ n }) => {
    let left = n, failed = 0, first;
    const loop = async () => {
      while (left-- > 0) {
        const err = await one();
        if (err !== undefined && failed++ === 0) first = err;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
    process.send({ failed, first });
  });
}

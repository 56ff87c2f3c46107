// Scenario "payloads": one 1M-element float32 tensor through POST /v1/graph
// (`y = x * 2`, x of shape [1000, 1000]) in each request encoding, one request
// at a time (latency, not throughput):
//
//   base64      {"shape", "dtype", "base64"} in, "encoding": "base64" out
//   binary      application/octet-stream both ways (API.md's safetensors framing)
//   json nested x as nested lists [[...], ...] in, nested `data` out
//   json flat   x as one flat list of 1M numbers in (the answer is [1e6] nested data)
//
// Each request body is built once, before timing; a request's time runs from
// writing it to receiving the last byte of the answer (node:http, keep-alive,
// nothing parsed). What a client spends building and reading the bodies is
// measured apart (client encode / client decode). The encodings are timed in
// interleaved order, REPS times each after WARMUP, and each figure is a median.
//
// For JSON, the reference is what a Node process spends on the bodies alone:
// `JSON.parse` of the request text + `JSON.stringify` of the answer's value,
// timed in this process in the same loop. json ratio = median request time /
// median (parse + stringify); 1.0 would be a service that costs no more than
// parsing the request and writing the answer once, HTTP and compute included.
//
// Every answer is checked (y == 2x exactly) once before timing.
// Env: REPS (default 11), WARMUP (default 2), WORKERS (default 2),
// KINDS (comma-separated subset of base64,binary,jsonNested,jsonFlat),
// PROFILE=1 (run gradserve under --cpu-prof and print where its time went).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST, START_ARGS, fmt, freePort, median, postRaw, startService, table } from './lib.js';
import { summariseProfiles } from './profile-summary.js';

const ROWS = 1000;
const COLS = 1000;
const N = ROWS * COLS;
const PROGRAM = 'y = x * 2';

const root = fileURLToPath(new URL('..', import.meta.url));

/** x: deterministic float32 values in [-1, 1), each a float32 a client would send exactly. */
export function makeInput() {
  const x = new Float32Array(N);
  let seed = 7;
  for (let i = 0; i < N; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    x[i] = seed / 2 ** 31 - 1;
  }
  return x;
}

const timeIt = (f) => {
  const t0 = performance.now();
  const v = f();
  return { v, ms: performance.now() - t0 };
};

function nestedOf(x) {
  const rows = new Array(ROWS);
  for (let r = 0; r < ROWS; r++) rows[r] = Array.from(x.subarray(r * COLS, (r + 1) * COLS));
  return rows;
}

/** The binary framing: 8-byte LE header length, JSON header (padded to 8), data. */
export function frame(header, data) {
  let h = Buffer.from(JSON.stringify(header));
  const pad = (8 - ((8 + h.length) % 8)) % 8;
  if (pad) h = Buffer.concat([h, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** {header, data} of a binary answer; data is a Buffer view. */
export function unframe(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  return { header: JSON.parse(buf.toString('utf8', 8, 8 + n)), data: buf.subarray(8 + n) };
}

/** A Float32Array over bytes at any offset (copies when unaligned). */
function f32(bytes) {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const c = new Uint8Array(bytes);
  return new Float32Array(c.buffer, 0, c.byteLength / 4);
}

/** The four request kinds: how to build the body, and how a client reads the answer back. */
function kinds(x) {
  const jsonHeaders = { 'content-type': 'application/json' };
  return {
    base64: {
      label: 'base64 both ways',
      headers: jsonHeaders,
      build: () => Buffer.from(JSON.stringify({ inputs: { x: { shape: [ROWS, COLS], dtype: 'float32', base64: Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64') } }, program: PROGRAM, encoding: 'base64' })),
      read: (buf) => {
        const y = JSON.parse(buf.toString('utf8')).outputs.y;
        return f32(Buffer.from(y.base64, 'base64'));
      },
    },
    binary: {
      label: 'binary both ways',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
      build: () => frame({ inputs: { x: { dtype: 'float32', shape: [ROWS, COLS], data_offsets: [0, x.byteLength] } }, program: PROGRAM }, x),
      read: (buf) => {
        const { header, data } = unframe(buf);
        const [b, e] = header.outputs.y.data_offsets;
        return f32(data.subarray(b, e));
      },
    },
    jsonNested: {
      label: 'json nested [1000,1000]',
      headers: jsonHeaders,
      json: true,
      build: () => Buffer.from(JSON.stringify({ inputs: { x: nestedOf(x) }, program: PROGRAM })),
      read: (buf) => Float32Array.from(JSON.parse(buf.toString('utf8')).outputs.y.data.flat()),
    },
    jsonFlat: {
      label: 'json flat [1e6]',
      headers: jsonHeaders,
      json: true,
      build: () => Buffer.from(JSON.stringify({ inputs: { x: Array.from(x) }, program: PROGRAM })),
      read: (buf) => Float32Array.from(JSON.parse(buf.toString('utf8')).outputs.y.data),
    },
  };
}

function checkDoubled(name, x, y) {
  if (y.length !== x.length) throw new Error(`payloads/${name}: answer has ${y.length} elements, expected ${x.length}`);
  for (let i = 0; i < x.length; i++)
    if (y[i] !== 2 * x[i]) throw new Error(`payloads/${name}: y[${i}] = ${y[i]}, expected ${2 * x[i]}`);
}

export async function run({ reps = Number(process.env.REPS ?? 11), warmup = Number(process.env.WARMUP ?? 2), workers = Number(process.env.WORKERS ?? 2), profile = process.env.PROFILE === '1', only = process.env.KINDS?.split(',') } = {}) {
  process.chdir(root);
  const x = makeInput();
  const K = kinds(x);
  const names = Object.keys(K).filter((k) => !only || only.includes(k));
  const bodies = {};
  const clientEncodeMs = {};
  for (const k of names) {
    const { v, ms } = timeIt(K[k].build);
    bodies[k] = v;
    clientEncodeMs[k] = ms;
  }
  const profDir = profile ? mkdtempSync(join(tmpdir(), 'gs-prof-')) : undefined;
  const port = await freePort();
  const args = profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...START_ARGS] : START_ARGS;
  const svc = await startService('gradserve', process.execPath, args, { env: { PORT: String(port), HOST, WORKERS: String(workers), LOG_LEVEL: 'warn', MAX_EVENT_LOOP_DELAY_MS: '0' }, port });
  const url = svc.url + '/v1/graph';
  const samples = Object.fromEntries(names.map((k) => [k, { ms: [], jobMs: [], decodeMs: [], refMs: [], parseMs: [], stringifyMs: [] }]));
  const sizes = {};
  try {
    // Check every encoding once (values exact), then warm up.
    for (const k of names) {
      const r = await postRaw(url, bodies[k], K[k].headers);
      if (r.status !== 200) throw new Error(`payloads/${k}: gradserve answered ${r.status}: ${r.body.toString('utf8', 0, 500)}`);
      checkDoubled(k, x, K[k].read(r.body));
      sizes[k] = { req: bodies[k].length, res: r.body.length };
    }
    for (let i = 0; i < warmup; i++) for (const k of names) await postRaw(url, bodies[k], K[k].headers);
    for (let i = 0; i < reps; i++)
      for (const k of names) {
        const r = await postRaw(url, bodies[k], K[k].headers);
        if (r.status !== 200) throw new Error(`payloads/${k}: gradserve answered ${r.status}: ${r.body.toString("utf8", 0, 500)}`);
        const s = samples[k];
        s.ms.push(r.ms);
        s.jobMs.push(Number(r.headers['x-job-ms']));
        s.decodeMs.push(timeIt(() => K[k].read(r.body)).ms);
        if (K[k].json) {
          // The reference: parse the request text, stringify the answer's value.
          const reqText = bodies[k].toString('utf8');
          const value = JSON.parse(r.body.toString('utf8'));
          const p = timeIt(() => JSON.parse(reqText)).ms;
          const w = timeIt(() => JSON.stringify(value)).ms;
          s.parseMs.push(p);
          s.stringifyMs.push(w);
          s.refMs.push(p + w);
        }
      }
  } finally {
    await svc.stop();
  }

  const results = {};
  for (const k of names) {
    const s = samples[k];
    results[k] = {
      label: K[k].label,
      ms: median(s.ms),
      min: Math.min(...s.ms),
      jobMs: median(s.jobMs),
      clientEncodeMs: clientEncodeMs[k],
      clientDecodeMs: median(s.decodeMs),
      reqMB: sizes[k].req / 1e6,
      resMB: sizes[k].res / 1e6,
      ...(K[k].json ? { refMs: median(s.refMs), parseMs: median(s.parseMs), stringifyMs: median(s.stringifyMs) } : {}),
    };
    if (results[k].refMs) results[k].ratio = results[k].ms / results[k].refMs;
  }
  const rows = [['encoding', 'request MB', 'answer MB', 'request ms (median)', 'min', 'worker ms', 'client encode ms', 'client decode ms', 'JSON.parse+stringify ms', 'request / parse+stringify']];
  for (const r of Object.values(results))
    rows.push([r.label, fmt(r.reqMB, 1), fmt(r.resMB, 1), fmt(r.ms, 1), fmt(r.min, 1), fmt(r.jobMs, 1), fmt(r.clientEncodeMs, 1), fmt(r.clientDecodeMs, 1), r.refMs ? `${fmt(r.parseMs, 1)} + ${fmt(r.stringifyMs, 1)}` : '-', r.ratio ? fmt(r.ratio, 2) : '-']);
  console.log(`\npayloads: y = x * 2, x float32 [${ROWS}, ${COLS}] (1M elements), one request at a time, median of ${reps} after ${warmup} warm-up, WORKERS=${workers}`);
  console.log(table(rows));
  console.log('  worker ms: the x-job-ms header (time in the worker thread, engine included); the rest of a request is HTTP, parsing, decoding, encoding and the thread hand-offs');
  console.log('  every answer checked once: y == 2 * x exactly');
  if (profDir) {
    const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    console.log(`\nCPU profiles (${profDir}): ${files.join(', ')}`);
    console.log(summariseProfiles(files.map((f) => ({ name: f, profile: JSON.parse(readFileSync(join(profDir, f), 'utf8')) }))));
  }
  return { results, rows, config: { reps, warmup, workers } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();

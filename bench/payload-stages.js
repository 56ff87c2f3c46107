// Where a 1M-element request spends its time, stage by stage, in this process
// with the service's own built modules (dist/): the same steps POST /v1/graph
// takes for `y = x * 2`, each timed alone (no HTTP, no sockets). It completes
// bench/payloads.js, which measures the whole request but cannot split it.
//
//   body -> string     src/json-body.ts's bodyText (latin1 for an ASCII body)
//   checkJsonLimits    src/security.ts, before JSON.parse (app.ts)
//   __proto__ check    app.ts's includes('__proto__') / includes('\\u') of the text
//   parseJsonBody      src/json-parse.ts: JSON.parse, long strings cut out first
//   zod                GraphRequestSchema.safeParse (fastify-type-provider-zod)
//   compileGraph       GraphCompiler.compile (src/ir), includes decodeTensor (src/encoding)
//   pool round trip    runGraph (src/routes/run-graph.ts): to a worker, engine, back
//   the answer         as src/routes/run-graph.ts sends it: encodeResponseBytes
//                      (base64 spliced in; JSON numbers written by the engine);
//                      for comparison, the path JSON answers took before the
//                      ninth round: encodeResponse + JSON.stringify, then Buffer.from
//
// binary: checkJsonLimits of the header + parseBinaryBody, compileGraph, pool
// round trip, encodeBinaryResponse.
// Median of REPS (default 9) after 2 warm-ups; WORKERS=1 (one job at a time).
// Usage: npm run build && node bench/payload-stages.js
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/config.js';
import { tuneMalloc } from '../dist/malloc-tuning.js';
import { loadAddon } from '../dist/native.js';
import { checkJsonLimits } from '../dist/security.js';
import { bodyText } from '../dist/json-body.js';
import { parseJsonBody } from '../dist/json-parse.js';
import { GraphRequestSchema } from '../dist/schemas/graph.js';
import { GraphCompiler } from '../dist/ir/graph-cache.js';
import { runGraph } from '../dist/routes/run-graph.js';
import { JobPool } from '../dist/pool/pool.js';
import { encodeBinaryResponse, encodeResponse, encodeResponseBytes, parseBinaryBody } from '../dist/encoding/index.js';
import { fmt, median, table } from './lib.js';
import { frame, makeInput } from './payloads.js';

const PROGRAM = 'y = x * 2';

export async function run({ reps = Number(process.env.REPS ?? 9) } = {}) {
  const cfg = loadConfig(process.env, { workers: 1, logLevel: 'silent' });
  tuneMalloc(cfg.mallocRetainBytes, loadAddon()); // as the service does at start (MALLOC_RETAIN_BYTES)
  const pool = new JobPool(cfg);
  const x = makeInput();
  const rows1000 = [];
  for (let r = 0; r < 1000; r++) rows1000.push(Array.from(x.subarray(r * 1000, (r + 1) * 1000)));
  const bodies = {
    base64: Buffer.from(JSON.stringify({ inputs: { x: { shape: [1000, 1000], dtype: 'float32', base64: Buffer.from(x.buffer).toString('base64') } }, program: PROGRAM, encoding: 'base64' })),
    jsonNested: Buffer.from(JSON.stringify({ inputs: { x: rows1000 }, program: PROGRAM })),
    jsonFlat: Buffer.from(JSON.stringify({ inputs: { x: Array.from(x) }, program: PROGRAM })),
    binary: frame({ inputs: { x: { dtype: 'float32', shape: [1000, 1000], data_offsets: [0, x.byteLength] } }, program: PROGRAM }, x),
  };

  // The route's own steps (src/routes/graph.ts): the compile cache, then runGraph.
  const compiler = new GraphCompiler(cfg);
  const compileGraph = (body, binary) => compiler.compile(body, binary);
  const runJob = async (graph) => (await runGraph(pool, cfg, graph)).result;
  const rawAnswer = (graph, r) => ({ outputs: Object.fromEntries(graph.outputs.map((o) => [o.name, r.slots[o.slot]])) });

  // Times consecutive stages: lap(name) records the ms since the previous lap.
  const stopwatch = () => {
    const t = {};
    let t0 = performance.now();
    const lap = (name) => {
      const now = performance.now();
      t[name] = now - t0;
      t0 = now;
    };
    return { t, lap };
  };

  // One request's stages; returns {stage: ms}.
  async function jsonRequest(buf) {
    const { t, lap } = stopwatch();
    const text = bodyText(buf);
    lap('body -> string');
    checkJsonLimits(text, cfg);
    lap('checkJsonLimits');
    text.includes('__proto__') || text.includes('\\u');
    lap('__proto__ check');
    const parsed = parseJsonBody(text);
    lap('parseJsonBody');
    const body = GraphRequestSchema.parse(parsed);
    lap('zod');
    const graph = compileGraph(body);
    lap('compileGraph (decode)');
    const r = await runJob(graph);
    lap('pool round trip');
    // As src/routes/run-graph.ts sends it.
    encodeResponseBytes(rawAnswer(graph, r), body.encoding === 'base64' ? 'base64' : 'json');
    lap('encodeResponseBytes');
    if (body.encoding !== 'base64') {
      // The former JSON path, not counted in the sum.
      const t0 = performance.now();
      const out = JSON.stringify(encodeResponse(rawAnswer(graph, r), 'json'));
      t['(was) encodeResponse + JSON.stringify'] = performance.now() - t0;
      const t1 = performance.now();
      Buffer.from(out);
      t['(was) string -> bytes'] = performance.now() - t1;
    }
    // The reference of bench/payloads.js: parse the request, stringify the answer.
    const answer = JSON.parse(JSON.stringify(encodeResponse(rawAnswer(graph, r), body.encoding === 'base64' ? 'base64' : 'json')));
    const ref0 = performance.now();
    JSON.parse(text);
    const ref1 = performance.now();
    JSON.stringify(answer);
    t['(ref) JSON.parse request'] = ref1 - ref0;
    t['(ref) JSON.stringify answer'] = performance.now() - ref1;
    return t;
  }

  async function binaryRequest(buf) {
    const { t, lap } = stopwatch();
    const n = Number(buf.readBigUInt64LE(0));
    checkJsonLimits(buf.toString('utf8', 8, 8 + n), cfg);
    const { header, data } = parseBinaryBody(buf);
    lap('parseBinaryBody (+ limits)');
    const body = GraphRequestSchema.parse(header);
    lap('zod');
    const graph = compileGraph(body, data);
    lap('compileGraph (decode)');
    const r = await runJob(graph);
    lap('pool round trip');
    encodeBinaryResponse(rawAnswer(graph, r));
    lap('encodeBinaryResponse');
    return t;
  }

  const samples = {};
  try {
    for (let i = 0; i < reps + 2; i++)
      for (const [k, buf] of Object.entries(bodies)) {
        const t = k === 'binary' ? await binaryRequest(buf) : await jsonRequest(buf);
        if (i < 2) continue;
        samples[k] ??= {};
        for (const [s, ms] of Object.entries(t)) (samples[k][s] ??= []).push(ms);
      }
  } finally {
    await pool.close();
  }
  const kinds = Object.keys(bodies);
  const stages = [...new Set(kinds.flatMap((k) => Object.keys(samples[k])))];
  const med = (k, s) => (samples[k][s] ? median(samples[k][s]) : undefined);
  const rows = [['stage (ms, median)', ...kinds]];
  for (const s of stages) rows.push([s, ...kinds.map((k) => (med(k, s) === undefined ? '' : fmt(med(k, s), 1)))]);
  const total = (k) => stages.filter((s) => !s.startsWith('(')).reduce((a, s) => a + (med(k, s) ?? 0), 0);
  rows.push(['sum of the service stages', ...kinds.map((k) => fmt(total(k), 1))]);
  console.log(`\npayload stages: y = x * 2, x float32 [1000, 1000], in-process (dist/ modules), median of ${reps}`);
  console.log(table(rows));
  return { samples, rows };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();

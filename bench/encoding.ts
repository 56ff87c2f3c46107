// Micro-benchmark of the tensor encodings: 1M-element float32 decode/encode.
// Build and run: npx tsc -p tsconfig.json --outDir /tmp/gs-bench && node /tmp/gs-bench/bench/encoding.js
// (Figures are medians of 20 runs after warm-up; the reference machine has 2 cores.)
import { decodeTensor, encodeTensor } from '../src/encoding/index.js';
import { encodeBinaryResponse, parseBinaryBody } from '../src/encoding/binary.js';

const N = 1_000_000;
const ROWS = 1000;
const COLS = N / ROWS;
const opts = { maxElements: 10_000_000 };

function time(label: string, reps: number, f: () => unknown): void {
  for (let i = 0; i < 3; i++) f(); // warm up
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    f();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} median ${ts[Math.floor(ts.length / 2)]!.toFixed(2)} ms   min ${ts[0]!.toFixed(2)} ms`);
}

const src = new Float32Array(N);
for (let i = 0; i < N; i++) src[i] = Math.sin(i) * 100;
const nested2d: number[][] = [];
for (let r = 0; r < ROWS; r++) nested2d.push(Array.from(src.subarray(r * COLS, (r + 1) * COLS)));
const flat: number[] = Array.from(src);
const b64 = Buffer.from(src.buffer).toString('base64');
const jsonText = JSON.stringify(nested2d);

const raw = { dtype: 'float32' as const, shape: [ROWS, COLS], data: src.buffer };
const rawFlat = { dtype: 'float32' as const, shape: [N], data: src.buffer };
const bin = encodeBinaryResponse({ x: raw });

console.log(`node ${process.version}, ${N} float32 elements`);
time('decode json nested [1000,1000]', 20, () => decodeTensor(nested2d, '/x', opts));
time('decode json flat [1e6]', 20, () => decodeTensor(flat, '/x', opts));
time('decode json {data: flat, shape: [1000,1000]}', 20, () => decodeTensor({ data: flat, shape: [ROWS, COLS] }, '/x', opts));
time('decode base64', 20, () => decodeTensor({ shape: [ROWS, COLS], dtype: 'float32', base64: b64 }, '/x', opts));
time('decode binary (parse + data_offsets)', 20, () => {
  const { header, data } = parseBinaryBody(bin);
  return decodeTensor((header as { x: unknown }).x, '/x', { ...opts, binary: data });
});
time('encode json [1000,1000]', 20, () => encodeTensor(raw, 'json'));
time('encode json [1e6]', 20, () => encodeTensor(rawFlat, 'json'));
time('encode base64', 20, () => encodeTensor(raw, 'base64'));
time('encode binary response', 20, () => encodeBinaryResponse({ x: raw }));
console.log('for context (not ours): JSON.parse / JSON.stringify of the same tensor');
time('  JSON.parse nested text', 5, () => JSON.parse(jsonText));
time('  JSON.stringify encoded json', 5, () => JSON.stringify(encodeTensor(raw, 'json')));

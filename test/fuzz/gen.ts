// Grammar- and mutation-based request generators for the HTTP fuzzer
// (test/fuzz/http-fuzz.test.ts, scripts/fuzz.mjs): programs from the program
// language's grammar, node lists, every tensor encoding (valid and broken),
// options, over every endpoint; then random mutations of the JSON tree and
// of the raw text.
import fc from 'fast-check';

export interface Catalogue {
  ops: Array<{ name: string; args: Array<{ name: string; type: string }> }>;
  losses: Array<{ name: string; arguments: Array<{ name: string; type: string }> }>;
  activations: Array<{ name: string; options: Array<{ name: string }> }>;
  optimizers: Array<{ name: string; hyperparameters: Array<{ name: string; type: string }> }>;
  schedulers: Array<{ name: string; hyperparameters: Array<{ name: string; type: string }> }>;
}

export interface FuzzRequest {
  method: 'GET' | 'POST';
  url: string;
  /** JSON text, or raw bytes for the binary framing. */
  payload?: string | Buffer;
  contentType?: string;
  accept?: string;
}

const NAMES = ['x', 'w', 'i', 'b', 'e', 's', 'y', 'z'];
const rare = <T,>(common: fc.Arbitrary<T>, odd: fc.Arbitrary<T>, weight = 12) => fc.oneof({ weight, arbitrary: common }, { weight: 1, arbitrary: odd });
const dtypes = rare(fc.constantFrom('float32', 'float32', 'float64', 'int64', 'bool'), fc.constantFrom('float16', 'int8', '', 'toString'), 6);
const odd = fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 'NaN', 'Infinity', '-Infinity', 'nan', '', '__proto__', [], {}, [[]], [[1], [2, 3]], -0);
const small = fc.oneof(fc.integer({ min: -4, max: 6 }), fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom('NaN', 'Infinity', '-Infinity'));
const shape = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });
const badShape = fc.oneof(shape, fc.array(fc.integer({ min: -3, max: 1e9 }), { maxLength: 6 }), fc.constant([1e6, 1e6]), fc.constant([-1]), fc.constant([2 ** 31, 2 ** 31]));

function nested(sh: number[], leaf: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  if (sh.length === 0) return leaf;
  return fc.array(nested(sh.slice(1), leaf), { minLength: sh[0]!, maxLength: sh[0]! });
}

function b64(n: number): fc.Arbitrary<string> {
  return fc.uint8Array({ minLength: 0, maxLength: n }).map((u) => Buffer.from(u).toString('base64'));
}

/** Any tensor encoding, mostly well-formed, sometimes broken. */
export const tensor: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: small },
  { weight: 8, arbitrary: shape.chain((s) => nested(s, small)) },
  { weight: 10, arbitrary: fc.record({ shape, dtype: dtypes, requires_grad: fc.boolean() }).chain((r) => nested(r.shape, r.dtype === 'bool' ? fc.boolean() : r.dtype === 'int64' ? fc.integer({ min: -3, max: 5 }) : small).map((data) => ({ ...r, data }))) },
  { weight: 2, arbitrary: fc.record({ data: fc.array(small, { maxLength: 24 }), shape: badShape, dtype: fc.option(dtypes, { nil: undefined }) }, { requiredKeys: ['data'] }) },
  { weight: 2, arbitrary: shape.chain((sh) => fc.record({ shape: fc.constant(sh), dtype: fc.constant('float32'), base64: b64(4 * sh.reduce((a, b) => a * b, 1)).map((x) => x) })) },
  { weight: 1, arbitrary: fc.record({ shape: badShape, dtype: dtypes, base64: fc.oneof(b64(64), fc.string({ maxLength: 12 })) }) },
  { weight: 1, arbitrary: odd },
);

const ident = fc.constantFrom(...NAMES);
const number = fc.oneof(fc.integer({ min: -5, max: 9 }).map(String), fc.constantFrom('0.5', '1e300', '-1e-300', '1e999', '3.', '.5', '0x10', '1_000'));
const str = fc.constantFrom('"mean"', '"sum"', '"none"', '"fro"', '"tanh"', '"float64"', '""', '"\\u0000"', "'x'");

/** Programs from the grammar of the program language (then mutated sometimes). */
export function program(ops: string[]): fc.Arbitrary<string> {
  const { expr } = fc.letrec<{ expr: string; atom: string; call: string }>((tie) => ({
    atom: fc.oneof({ depthSize: 'small' }, ident, number, str, fc.constantFrom('true', 'False', 'None', 'null', '[0, 1]', '[]', '[[1,2],[3]]', '...')),
    call: fc
      .tuple(fc.constantFrom(...ops), fc.array(tie('expr'), { maxLength: 3 }), fc.array(fc.tuple(fc.constantFrom('dim', 'keepdim', 'reduction', 'p', 'min', 'max', 'alpha', 'dtype', 'weight', 'bogus'), tie('expr')), { maxLength: 2 }))
      .map(([f, a, k]) => `${f}(${[...a, ...k.map(([n, v]) => `${n}=${v}`)].join(', ')})`),
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('atom'),
      tie('call'),
      fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '@', '**', '<', '==', '!='), tie('expr')).map(([a, o, b]) => `(${a} ${o} ${b})`),
      tie('expr').map((e) => `-${e}`),
      fc.tuple(tie('expr'), fc.constantFrom('[0]', '[:, 1:3]', '[::2]', '[..., -1]', '[-9]', '[1:0:-1]', '.T', '.sum()', '.mean(dim=1, keepdim=true)', '.reshape(-1)', '.grad')).map(([e, s]) => `${e}${s}`),
      fc.tuple(fc.constantFrom('grad', 'jacobian', 'hessian', 'vjp', 'jvp', 'hvp'), tie('expr'), ident).map(([f, y, x]) => `${f}(${y}, ${x})`),
    ),
  }));
  const stmt = fc.tuple(ident, expr).map(([n, e]) => `${n} = ${e}`);
  const text = fc.array(stmt, { minLength: 0, maxLength: 5 }).map((s) => s.join('\n'));
  return fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.tuple(text, fc.nat(), fc.string({ maxLength: 3 })).map(([t, at, ins]) => t.slice(0, at % (t.length + 1)) + ins + t.slice(at % (t.length + 1) + 1)) });
}

function inputs(): fc.Arbitrary<Record<string, unknown>> {
  return rare(fc.dictionary(ident, tensor, { maxKeys: 4 }), fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'é', ''), tensor, { maxKeys: 2 }));
}

function nodes(ops: string[]): fc.Arbitrary<unknown> {
  const arg = fc.oneof(ident, small, fc.boolean(), fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 3 }), odd);
  return fc.array(
    fc.record({ id: ident, op: fc.oneof(fc.constantFrom(...ops), fc.string({ maxLength: 5 })), args: fc.array(arg, { maxLength: 4 }), kwargs: fc.dictionary(fc.constantFrom('dim', 'keepdim', 'reduction', 'p', 'alpha', 'bogus'), arg, { maxKeys: 2 }) }, { requiredKeys: ['id', 'op'] }),
    { maxLength: 5 },
  );
}

const options = fc.record(
  {
    outputs: rare(fc.array(ident, { minLength: 1, maxLength: 3 }), odd),
    backward: rare(fc.record({ of: ident, wrt: fc.array(ident, { maxLength: 2 }), grad_output: tensor }, { requiredKeys: ['of'] }), odd),
    dry_run: rare(fc.boolean(), odd),
    encoding: rare(fc.constantFrom('json', 'base64'), fc.constantFrom('hex', null)),
  },
  { requiredKeys: [] },
);

/** Replaces, deletes or duplicates random subtrees of a JSON value. */
export function mutate(v: unknown, rnd: () => number, budget = 3): unknown {
  if (budget <= 0 || rnd() < 0.5) return v;
  if (Array.isArray(v)) {
    if (v.length === 0 || rnd() < 0.2) return fc.sample(odd, { seed: Math.floor(rnd() * 1e9), numRuns: 1 })[0];
    const i = Math.floor(rnd() * v.length);
    const out = v.slice();
    out[i] = mutate(v[i], rnd, budget - 1);
    if (rnd() < 0.1) out.push(out[i]);
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    if (keys.length === 0 || rnd() < 0.15) out[['extra', 'shape', 'dtype', 'data', 'steps', 'lr'][Math.floor(rnd() * 6)]!] = fc.sample(odd, { seed: Math.floor(rnd() * 1e9), numRuns: 1 })[0];
    else if (rnd() < 0.3) delete out[keys[Math.floor(rnd() * keys.length)]!];
    else {
      const k = keys[Math.floor(rnd() * keys.length)]!;
      out[k] = mutate(out[k], rnd, budget - 1);
    }
    return out;
  }
  return fc.sample(odd, { seed: Math.floor(rnd() * 1e9), numRuns: 1 })[0];
}

/** Safetensors-style framing of a JSON header and random bytes, sometimes with a lying length. */
function framed(header: unknown, data: Uint8Array, lie: number): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Math.max(0, h.length + lie)));
  return Buffer.concat([len, h, Buffer.from(data)]);
}

function hyper(list: Array<{ name: string; type: string }>): fc.Arbitrary<Record<string, unknown>> {
  if (list.length === 0) return fc.constant({});
  const value = fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.integer({ min: -2, max: 50 }), fc.boolean(), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }), fc.constantFrom('min', 'max', 'strong_wolfe', 'triangular', 'cos'), odd);
  return fc.dictionary(fc.constantFrom(...list.map((h) => h.name), 'bogus'), value, { maxKeys: 4 });
}

/** Every endpoint, body shaped by its schema and the catalogue, then mutated. */
export function request(cat: Catalogue): fc.Arbitrary<FuzzRequest> {
  const opNames = cat.ops.map((o) => o.name);
  const lossNames = cat.losses.map((l) => l.name);
  const actNames = cat.activations.map((a) => a.name);
  const optNames = cat.optimizers.map((o) => o.name);
  const schedNames = cat.schedulers.map((s) => s.name);
  const name = (known: string[]) => fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.constantFrom('nope', '%00', '..%2F..%2Fetc', 'constructor', '__proto__', 'A'.repeat(300)) });
  const unary = ['exp', 'tanh', 'sigmoid', 'relu', 'abs', 'sin', 'log1p', 'neg', 'square', 'softplus', 'gelu'].filter((n) => opNames.includes(n));
  // Mostly-valid graphs: elementwise chains on a real float tensor, so the engine runs them.
  const simple = fc
    .tuple(shape.chain((sh) => nested(sh, small)), fc.array(fc.constantFrom(...unary), { minLength: 1, maxLength: 4 }), fc.constantFrom('', '.sum()', '.mean()', ' * x', ' @ x.T', '[0]', '.max(dim=0)'), fc.boolean(), fc.constantFrom('json', 'base64'))
    .map(([data, fs, tail, rg, encoding]) => ({ inputs: { x: { data, requires_grad: rg } }, program: `y = ${fs.reduce((e, f) => `${f}(${e})`, 'x')}${tail}`, encoding }));
  const graph = fc.oneof(
    { weight: 2, arbitrary: simple },
    { weight: 3, arbitrary: fc.tuple(inputs(), fc.oneof(program(opNames).map((p) => ({ program: p })), nodes(opNames).map((n) => ({ nodes: n }))), options).map(([i, g, o]) => ({ inputs: i, ...g, ...o })) },
  );
  const loss = name(lossNames).chain((n) => {
    const spec = cat.losses.find((l) => l.name === n);
    const args = spec ? spec.arguments : [];
    return fc.tuple(fc.constant(n), fc.dictionary(fc.constantFrom(...args.map((a) => a.name), 'wrt', 'grad_output', 'reduction', 'bogus'), fc.oneof(tensor, fc.constantFrom('mean', 'sum', 'none', 'bad')), { maxKeys: 7 }));
  });
  const act = name(actNames).chain((n) => {
    const own = cat.activations.find((a) => a.name === n)?.options.map((o) => o.name) ?? [];
    return fc.tuple(fc.constant(n), fc.tuple(fc.record({ input: tensor, jacobian: fc.boolean(), grad_output: rare(fc.constant(undefined), tensor, 3) }, { requiredKeys: ['input'] }), fc.dictionary(fc.constantFrom(...own, 'bogus'), fc.oneof(small, fc.integer({ min: -2, max: 2 })), { maxKeys: 2 })).map(([b, o]) => ({ ...o, ...b })));
  });
  const step = name(optNames).chain((n) =>
    fc.tuple(fc.constant(n), fc.record({ params: fc.dictionary(ident, tensor, { maxKeys: 2 }), grads: fc.dictionary(ident, tensor, { maxKeys: 2 }), state: fc.oneof(fc.constant(null), odd, fc.record({ state: fc.dictionary(ident, fc.dictionary(fc.constantFrom('step', 'exp_avg', 'momentum_buffer', 'square_avg'), tensor, { maxKeys: 2 }), { maxKeys: 2 }), param_groups: fc.array(fc.record({ params: fc.array(ident, { maxLength: 2 }), lr: small }), { maxLength: 2 }) })), steps: fc.integer({ min: -1, max: 5 }) }, { requiredKeys: ['params', 'grads'] }), hyper(cat.optimizers.find((o) => o.name === n)?.hyperparameters ?? [])).map(([nm, b, h]) => [nm, { ...h, ...b }] as const),
  );
  const optimize = fc.record(
    {
      inputs: inputs(),
      program: program(opNames),
      loss: ident,
      optimizer: name(optNames).chain((n) => hyper(cat.optimizers.find((o) => o.name === n)?.hyperparameters ?? []).map((h) => ({ name: n, lr: 0.1, ...h }))),
      scheduler: fc.option(name(schedNames).chain((n) => hyper(cat.schedulers.find((o) => o.name === n)?.hyperparameters ?? []).map((h) => ({ name: n, ...h }))), { nil: undefined }),
      steps: rare(fc.integer({ min: 1, max: 20 }), fc.integer({ min: -1, max: 0 })),
      record: fc.array(ident, { maxLength: 2 }),
    },
    { requiredKeys: ['inputs', 'program', 'loss', 'optimizer', 'steps'] },
  );
  const json = (url: string, body: fc.Arbitrary<unknown>) => fc.tuple(body, fc.integer(), fc.constantFrom(undefined, 'application/octet-stream', 'image/svg+xml', 'text/html')).map(([b, seed, accept]) => {
    let s = seed;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0) >>> 0) / 2 ** 32;
    const m = rnd() < 0.35 ? mutate(b, rnd) : b;
    return { method: 'POST', url, payload: JSON.stringify(m) ?? 'null', contentType: 'application/json', ...(accept ? { accept } : {}) } as FuzzRequest;
  });
  return fc.oneof(
    { weight: 6, arbitrary: json('/v1/graph', graph) },
    { weight: 3, arbitrary: loss.chain(([n, b]) => json(`/v1/losses/${n}`, fc.constant(b))) },
    { weight: 3, arbitrary: act.chain(([n, b]) => json(`/v1/activations/${n}`, fc.constant(b))) },
    { weight: 2, arbitrary: step.chain(([n, b]) => json(`/v1/optimizers/${n}/step`, fc.constant(b))) },
    { weight: 2, arbitrary: json('/v1/optimize', optimize) },
    {
      weight: 1,
      arbitrary: fc.tuple(name(actNames), fc.array(fc.tuple(fc.constantFrom('min', 'max', 'points', 'negative_slope', 'alpha', 'dim', 'bogus'), fc.oneof(fc.integer({ min: -5, max: 100000 }).map(String), fc.constantFrom('NaN', 'Infinity', '', '1e309', 'abc', '-0'))), { maxLength: 4 })).map(([n, q]) => ({
        method: 'GET',
        url: `/v1/activations/${n}/plot.svg?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`,
      }) as FuzzRequest),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(graph, fc.uint8Array({ maxLength: 96 }), fc.constantFrom(0, 0, 0, -3, 5, 1e6)).map(([g, data, lie]) => {
        const withOffsets = { ...g, inputs: { x: { dtype: 'float32', shape: [data.length >> 2], data_offsets: [0, data.length & ~3] }, ...(g as { inputs: object }).inputs } };
        return { method: 'POST', url: '/v1/graph', payload: framed(withOffsets, data, lie), contentType: 'application/octet-stream' } as FuzzRequest;
      }),
    },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/v1/graph', '/v1/losses/mse_loss', '/v1/optimize'), fc.string({ maxLength: 40 })).map(([url, t]) => ({ method: 'POST', url, payload: t, contentType: 'application/json' }) as FuzzRequest) },
  );
}

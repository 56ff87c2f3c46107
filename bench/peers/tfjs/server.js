// Peer of POST /v1/graph for the graph-222 bench: fastify + @tensorflow/tfjs
// (its pure-JavaScript CPU backend, no native binding) computing the 2-2-2
// sigmoid network in the HTTP process itself, values and the 4 gradients of the
// mse loss by tf.valueAndGrads, answered in gradserve's response format.
//
// It parses the same JSON body as gradserve (inputs as nested lists or
// {"data", "requires_grad", "dtype", "shape"} objects) and runs the one program
// it knows; anything else is a 422.
//
// WORKERS processes (node:cluster, default 1) share the port, as uvicorn's
// --workers does for the PyTorch peer. PORT (required), HOST (127.0.0.1).
// Install: npm ci --prefix bench/peers/tfjs (bench/run.js does it when missing).
import { serveInProcesses } from '../cluster.js';

const WORKERS = Math.max(1, Number(process.env.WORKERS ?? 1));

await serveInProcesses('tfjs', WORKERS, serve);

async function serve() {
  // The package's Node entry prints an advert for tfjs-node on first use; the
  // CPU backend is the one we mean to measure, so select it explicitly.
  const tf = await import('@tensorflow/tfjs');
  const { default: Fastify } = await import('fastify');
  await tf.setBackend('cpu');
  await tf.ready();
  tf.backend().firstUse = false; // no "install tfjs-node" advert on the first tensor

  const PROGRAMS = new Set([
    'h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)',
  ]);
  const DTYPES = { float32: 'float32', int64: 'int32', bool: 'bool' };

  class Unsupported extends Error {}

  /** A request tensor (number, nested list or tensor object) as a tf.Tensor. */
  function tensor(spec) {
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
      if (spec.data === undefined) throw new Unsupported('only tensors with "data" are supported');
      const dtype = DTYPES[spec.dtype ?? 'float32'];
      if (!dtype) throw new Unsupported(`dtype ${spec.dtype} is not supported`);
      const t = tf.tensor(spec.data, spec.shape, dtype);
      return { t, requiresGrad: spec.requires_grad === true };
    }
    return { t: tf.tensor(spec, undefined, 'float32'), requiresGrad: false };
  }

  function nested(values, shape) {
    if (shape.length === 0) return values[0];
    let k = 0;
    const build = (d) => {
      const n = shape[d];
      const out = new Array(n);
      if (d === shape.length - 1) for (let i = 0; i < n; i++) out[i] = values[k++];
      else for (let i = 0; i < n; i++) out[i] = build(d + 1);
      return out;
    };
    return build(0);
  }

  // tolist() of a float32 tensor: each element's exact value as a double, as gradserve prints it.
  const encode = (t) => ({ shape: t.shape, dtype: 'float32', data: nested(Array.from(t.dataSync()), t.shape) });

  function run(body) {
    if (!PROGRAMS.has(body.program)) throw new Unsupported('unsupported program');
    const inputs = {};
    for (const [name, spec] of Object.entries(body.inputs ?? {})) inputs[name] = tensor(spec);
    try {
      const { x, t } = { x: inputs.x.t, t: inputs.t.t };
      const wrt = body.backward?.wrt ?? Object.keys(inputs).filter((n) => inputs[n].requiresGrad);
      const kept = {};
      // h = sigmoid(x @ w1.T + b1), o = sigmoid(h @ w2.T + b2), loss = mse_loss(o, t)
      const forward = (w1, b1, w2, b2) => {
        const h = tf.sigmoid(tf.add(tf.matMul(x, w1, false, true), b1));
        const o = tf.sigmoid(tf.add(tf.matMul(h, w2, false, true), b2));
        kept.h = tf.keep(h);
        kept.o = tf.keep(o);
        return tf.losses.meanSquaredError(t, o, undefined, tf.Reduction.MEAN);
      };
      const params = ['w1', 'b1', 'w2', 'b2'];
      const { value, grads } = tf.valueAndGrads(forward)(params.map((n) => inputs[n].t));
      kept.loss = value;
      const res = { outputs: {} };
      for (const name of body.outputs ?? ['loss']) {
        const v = kept[name] ?? inputs[name]?.t;
        if (!v) throw new Unsupported(`unknown output ${name}`);
        res.outputs[name] = encode(v);
      }
      if (body.backward) {
        res.grads = {};
        for (const n of wrt) {
          const i = params.indexOf(n);
          if (i < 0) throw new Unsupported(`no gradient for ${n}`);
          res.grads[n] = encode(grads[i]);
        }
      }
      tf.dispose([...Object.values(kept), ...grads]);
      return res;
    } finally {
      tf.dispose(Object.values(inputs).map((i) => i.t));
    }
  }

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.post('/v1/graph', async (req, reply) => {
    try {
      return run(req.body);
    } catch (e) {
      if (e instanceof Unsupported) return reply.code(422).send({ title: e.message, status: 422 });
      throw e;
    }
  });
  app.get('/readyz', async () => ({ status: 'ready', backend: tf.getBackend() }));
  await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => app.close().then(() => process.exit(0)));
}

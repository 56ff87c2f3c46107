// Finite-difference gradient check of POST /v1/graph, in float64, through the HTTP API.
//
// For every fixture case marked `fd` (float64 variants of differentiable cases, inputs away
// from kinks) each element of each `wrt` input is perturbed by ±h and the forward value of
// the objective (the backward's `of`, or sum(of * grad_output)) is re-evaluated by the
// service; the central difference must match the gradient the service returns. Cases with
// `fd.hessian` also difference the returned gradients and compare with PyTorch's Hessian
// blocks, which checks second derivatives. About 4k requests in total.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import {
  missingOps,
  close,
  flatten,
  loadFixture,
  shapeOf,
  type GraphRequest,
  type GraphResponse,
  type Json,
  type ParityCase,
  type Tol,
} from './fixture.js';

const H = 1e-6;
const FD_TOL: Tol = { rtol: 1e-5, atol: 1e-6 };
const FD2_TOL: Tol = { rtol: 1e-4, atol: 1e-5 };

const allFd = loadFixture().cases.filter((c): c is ParityCase & { fd: NonNullable<ParityCase['fd']> } => c.fd !== undefined);
const fdCases = allFd.filter((c) => missingOps(c.request.program).length === 0);
const fdTodo = allFd.filter((c) => missingOps(c.request.program).length > 0);

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildApp({ logLevel: 'silent' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
});

interface InputTensor {
  flat: number[];
  shape: number[];
  dtype: string;
  requires_grad: boolean;
}

function parseInput(spec: Json): InputTensor {
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    const data = spec.data as Json;
    const flat = flatten(data);
    const shape = Array.isArray(spec.shape) ? (spec.shape as number[]) : shapeOf(data);
    return {
      flat,
      shape,
      dtype: typeof spec.dtype === 'string' ? spec.dtype : 'float32',
      requires_grad: spec.requires_grad === true,
    };
  }
  return { flat: flatten(spec), shape: shapeOf(spec), dtype: 'float32', requires_grad: false };
}

function nest(flat: number[], shape: number[]): Json {
  if (shape.length === 0) return flat[0] as number;
  const [n, ...rest] = shape as [number, ...number[]];
  const size = rest.reduce((a, b) => a * b, 1);
  const out: Json[] = [];
  for (let i = 0; i < n; i++) out.push(nest(flat.slice(i * size, (i + 1) * size), rest));
  return out;
}

function withInput(req: GraphRequest, name: string, t: InputTensor, of: string): GraphRequest {
  const spec: Record<string, Json> = { data: nest(t.flat, t.shape), dtype: t.dtype };
  if (t.requires_grad) spec.requires_grad = true;
  return { ...req, inputs: { ...req.inputs, [name]: spec }, outputs: [of] };
}

async function run(req: GraphRequest): Promise<GraphResponse> {
  const res = await app.inject({ method: 'POST', url: '/v1/graph', payload: req as object });
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`);
  return res.json() as GraphResponse;
}

function objective(resp: GraphResponse, of: string, gradOutput: number[] | null): number {
  const t = resp.outputs[of];
  if (t === undefined) throw new Error(`output ${of} missing`);
  const v = flatten(t.data);
  if (gradOutput === null) return v[0] as number;
  return v.reduce((acc, x, i) => acc + x * (gradOutput[i] as number), 0);
}

function gradOutputOf(go: Json | null): number[] | null {
  if (go === null || go === undefined) return null;
  if (typeof go === 'object' && !Array.isArray(go)) return flatten(go.data as Json);
  return flatten(go);
}

describe('finite-difference gradient check (float64)', () => {
  it('has cases', () => {
    expect(fdCases.length).toBeGreaterThan(0);
  });

  for (const c of fdTodo) it.todo(`${c.name}: needs ops ${missingOps(c.request.program).join(', ')}`);

  it.each(fdCases.map((c) => [c.name, c] as const))('%s', { timeout: 60_000 }, async (_name, c) => {
    const { of, wrt, hessian } = c.fd;
    const go = gradOutputOf(c.fd.grad_output);
    const base = await run(c.request);
    const problems: string[] = [];

    for (const w of wrt) {
      const x = parseInput(c.request.inputs[w] as Json);
      const analytic = flatten((base.grads?.[w]?.data ?? null) as Json);
      expect(analytic.length, `grads.${w}`).toBe(x.flat.length);
      // all perturbations of this input, in parallel
      const jobs = x.flat.map(async (_v, e) => {
        const plus = { ...x, flat: x.flat.slice() };
        const minus = { ...x, flat: x.flat.slice() };
        plus.flat[e] = (x.flat[e] as number) + H;
        minus.flat[e] = (x.flat[e] as number) - H;
        const [rp, rm] = await Promise.all([
          run(withInput(c.request, w, plus, of)),
          run(withInput(c.request, w, minus, of)),
        ]);
        return { e, rp, rm };
      });
      for (const { e, rp, rm } of await Promise.all(jobs)) {
        const numeric = (objective(rp, of, go) - objective(rm, of, go)) / (2 * H);
        if (!close(analytic[e] as number, numeric, FD_TOL)) {
          problems.push(`d${of}/d${w}[${e}]: service ${analytic[e]} vs finite difference ${numeric}`);
        }
        if (hessian === undefined) continue;
        for (const j of wrt) {
          const block = hessian[j]?.[w];
          if (block === undefined) continue;
          const gp = flatten((rp.grads?.[j]?.data ?? null) as Json);
          const gm = flatten((rm.grads?.[j]?.data ?? null) as Json);
          for (let k = 0; k < block.length; k++) {
            const numeric2 = ((gp[k] as number) - (gm[k] as number)) / (2 * H);
            const expected2 = block[k]?.[e] as number;
            if (!close(numeric2, expected2, FD2_TOL)) {
              problems.push(`d(grad_${j}[${k}])/d${w}[${e}]: finite difference ${numeric2} vs PyTorch ${expected2}`);
            }
          }
        }
      }
    }
    expect(problems, `${c.request.program}`).toEqual([]);
  });
});

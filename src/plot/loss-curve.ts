// An SVG loss curve: loss per step (log scale when it spans decades) and the
// learning rate on a second axis. Hand-written scales on purpose: the shared
// chart module (src/plot/ on d3-scale/d3-shape, for activation plots) is
// being built on a parallel branch; once merged this file should move onto
// it and drop linearScale/logScale below.

export interface LossCurve {
  loss: number[];
  lr: number[];
  title?: string;
}

type Scale = ((v: number) => number) & { ticks: () => number[] };

function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  if (d0 === d1) {
    d0 -= Math.abs(d0) * 0.5 || 1;
    d1 += Math.abs(d1) * 0.5 || 1;
  }
  const f = ((v: number) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0)) as Scale;
  f.ticks = () => {
    const span = d1 - d0;
    const step0 = Math.pow(10, Math.floor(Math.log10(span / 5)));
    const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6) ?? step0 * 10;
    const out: number[] = [];
    for (let v = Math.ceil(d0 / step) * step; v <= d1 + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  };
  return f;
}

function logScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const l0 = Math.log10(d0), l1 = Math.log10(d1);
  const f = ((v: number) => r0 + ((Math.log10(v) - l0) / (l1 - l0 || 1)) * (r1 - r0)) as Scale;
  f.ticks = () => {
    const out: number[] = [];
    for (let e = Math.ceil(l0); e <= Math.floor(l1); e++) out.push(Math.pow(10, e));
    return out;
  };
  return f;
}

const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(4))));
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function path(xs: number[], ys: number[]): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const ok = Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!);
    if (!ok) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${xs[i]!.toFixed(2)},${ys[i]!.toFixed(2)}`;
    pen = true;
  }
  return d;
}

export function lossCurveSvg({ loss, lr, title = 'Loss per step' }: LossCurve): string {
  const W = 720, H = 420, m = { top: 40, right: 80, bottom: 50, left: 80 };
  const n = loss.length;
  const finite = loss.filter((v) => Number.isFinite(v));
  const positive = finite.filter((v) => v > 0);
  const lo = finite.length ? Math.min(...finite) : 0, hi = finite.length ? Math.max(...finite) : 1;
  // Log scale when every value is positive and they span more than two decades.
  const useLog = positive.length === finite.length && positive.length > 1 && hi / lo > 100;
  const x = linearScale(0, Math.max(1, n - 1), m.left, W - m.right);
  const y = useLog ? logScale(lo, hi, H - m.bottom, m.top) : linearScale(lo, hi, H - m.bottom, m.top);
  const lrFinite = lr.filter((v) => Number.isFinite(v));
  const lrLo = lrFinite.length ? Math.min(...lrFinite) : 0, lrHi = lrFinite.length ? Math.max(...lrFinite) : 1;
  const y2 = linearScale(Math.min(0, lrLo), lrHi, H - m.bottom, m.top);
  const steps = loss.map((_, i) => x(i));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  // axes
  parts.push(`<g stroke="#333"><line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}"/><line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}"/><line x1="${W - m.right}" y1="${m.top}" x2="${W - m.right}" y2="${H - m.bottom}"/></g>`);
  for (const t of x.ticks()) if (Number.isInteger(t)) parts.push(`<text x="${x(t).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle">${t}</text>`);
  for (const t of y.ticks())
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/><text x="${m.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  for (const t of y2.ticks()) parts.push(`<text x="${W - m.right + 6}" y="${(y2(t) + 4).toFixed(1)}" fill="#d95f02">${fmt(t)}</text>`);
  parts.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle">step</text>`);
  parts.push(`<text transform="translate(18 ${H / 2}) rotate(-90)" text-anchor="middle" fill="#1b9e77">loss${useLog ? ' (log scale)' : ''}</text>`);
  parts.push(`<text transform="translate(${W - 16} ${H / 2}) rotate(90)" text-anchor="middle" fill="#d95f02">learning rate</text>`);
  parts.push(`<path d="${path(steps, lr.map((v) => y2(v)))}" fill="none" stroke="#d95f02" stroke-width="1.5" stroke-dasharray="5 3"/>`);
  parts.push(`<path d="${path(steps, loss.map((v) => (useLog && v <= 0 ? NaN : y(v))))}" fill="none" stroke="#1b9e77" stroke-width="2"/>`);
  // legend
  parts.push(`<g transform="translate(${m.left + 10} ${m.top + 8})"><line x2="24" stroke="#1b9e77" stroke-width="2"/><text x="30" y="4">loss</text><line y1="16" y2="16" x2="24" stroke="#d95f02" stroke-dasharray="5 3"/><text x="30" y="20">lr</text></g>`);
  parts.push('</svg>');
  return parts.join('\n');
}

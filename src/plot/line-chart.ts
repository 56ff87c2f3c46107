// A generic line chart as a standalone SVG document: series of (x, y),
// title, axis labels with ticks, zero lines and a legend. Scales and ticks
// come from d3-scale, paths from d3-shape; this file only lays them out.
// Non-finite points break a line instead of breaking the chart.
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS colour; defaults to the palette in order. */
  color?: string;
  dashed?: boolean;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

// Okabe–Ito colours: distinct for colour-blind readers and in greyscale.
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

const MARGIN = { top: 64, right: 24, bottom: 56, left: 72 };
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

/** Escapes text for XML character data and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** [lo, hi] of the finite values of every array, or undefined when there are none. */
function extent(arrays: Array<ArrayLike<number>>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays)
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  return lo <= hi ? [lo, hi] : undefined;
}

/** A domain with room around flat or empty data, so ticks and lines stay visible. */
function padded(e: [number, number] | undefined): [number, number] {
  if (!e) return [-1, 1];
  const [lo, hi] = e;
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi))) {
    const pad = Math.max(Math.abs(lo) * 0.1, 0.5);
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

const num = (v: number) => (Math.abs(v) < 1e-9 ? '0' : String(Math.round(v * 100) / 100));

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 440;
  const x0 = MARGIN.left;
  const x1 = width - MARGIN.right;
  const y0 = height - MARGIN.bottom;
  const y1 = MARGIN.top;

  // x spans the plotted range exactly (it is what was asked for); y gets room and round ends.
  const xe = extent(spec.series.map((s) => s.x));
  const xs = scaleLinear()
    .domain(xe && xe[1] > xe[0] ? xe : padded(xe))
    .range([x0, x1]);
  const ys = scaleLinear().domain(padded(extent(spec.series.map((s) => s.y)))).range([y0, y1]).nice();
  const xTicks = xs.ticks(10);
  const yTicks = ys.ticks(8);
  const xFmt = xs.tickFormat(10);
  const yFmt = ys.tickFormat(8);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family='${FONT}' font-size="12" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeXml(spec.title)}</title>`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<defs><clipPath id="plot-area"><rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/></clipPath></defs>`,
  );

  // Grid, then the zero lines (darker) where zero is in range.
  out.push('<g class="grid" stroke="#e5e7eb" stroke-width="1">');
  for (const t of xTicks) out.push(`<line x1="${num(xs(t))}" x2="${num(xs(t))}" y1="${y1}" y2="${y0}"/>`);
  for (const t of yTicks) out.push(`<line x1="${x0}" x2="${x1}" y1="${num(ys(t))}" y2="${num(ys(t))}"/>`);
  out.push('</g>');
  out.push('<g class="zero-lines" stroke="#6b7280" stroke-width="1">');
  const [xd0, xd1] = xs.domain() as [number, number];
  const [yd0, yd1] = ys.domain() as [number, number];
  if (xd0 <= 0 && 0 <= xd1) out.push(`<line class="zero-x" x1="${num(xs(0))}" x2="${num(xs(0))}" y1="${y1}" y2="${y0}"/>`);
  if (yd0 <= 0 && 0 <= yd1) out.push(`<line class="zero-y" x1="${x0}" x2="${x1}" y1="${num(ys(0))}" y2="${num(ys(0))}"/>`);
  out.push('</g>');

  // Axes: frame lines, ticks and their labels.
  out.push(`<g class="axis x-axis" fill="#374151" stroke="#374151">`);
  out.push(`<line x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}"/>`);
  for (const t of xTicks)
    out.push(`<g class="tick"><line x1="${num(xs(t))}" x2="${num(xs(t))}" y1="${y0}" y2="${y0 + 5}"/><text stroke="none" x="${num(xs(t))}" y="${y0 + 18}" text-anchor="middle">${escapeXml(xFmt(t))}</text></g>`);
  out.push(`<text class="axis-label" stroke="none" x="${num((x0 + x1) / 2)}" y="${height - 14}" text-anchor="middle" font-size="13">${escapeXml(spec.xLabel)}</text>`);
  out.push('</g>');
  out.push(`<g class="axis y-axis" fill="#374151" stroke="#374151">`);
  out.push(`<line x1="${x0}" x2="${x0}" y1="${y1}" y2="${y0}"/>`);
  for (const t of yTicks)
    out.push(`<g class="tick"><line x1="${x0 - 5}" x2="${x0}" y1="${num(ys(t))}" y2="${num(ys(t))}"/><text stroke="none" x="${x0 - 8}" y="${num(ys(t))}" dy="0.32em" text-anchor="end">${escapeXml(yFmt(t))}</text></g>`);
  out.push(
    `<text class="axis-label" stroke="none" transform="translate(18 ${num((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(spec.yLabel)}</text>`,
  );
  out.push('</g>');

  // The curves, clipped to the plot area.
  out.push('<g class="series" clip-path="url(#plot-area)" fill="none" stroke-width="2.25" stroke-linejoin="round" stroke-linecap="round">');
  spec.series.forEach((s, k) => {
    const idx = Array.from({ length: Math.min(s.x.length, s.y.length) }, (_, i) => i);
    const path = line<number>()
      .defined((i) => Number.isFinite(s.x[i]!) && Number.isFinite(s.y[i]!))
      .x((i) => xs(s.x[i]!))
      .y((i) => ys(s.y[i]!))
      .digits(2)(idx);
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    out.push(`<path class="curve" data-series="${k}" stroke="${escapeXml(color)}"${s.dashed ? ' stroke-dasharray="6 4"' : ''} d="${path ?? ''}"><title>${escapeXml(s.label)}</title></path>`);
  });
  out.push('</g>');

  // Title and subtitle above the plot; legend inside its top-left corner.
  out.push(`<text class="title" x="${x0}" y="26" font-size="17" font-weight="600" fill="#111827">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text class="subtitle" x="${x0}" y="46" font-size="12" fill="#4b5563">${escapeXml(spec.subtitle)}</text>`);
  const rowH = 18;
  const legendW = 16 + 28 + Math.max(...spec.series.map((s) => s.label.length), 4) * 6.6;
  out.push(`<g class="legend" transform="translate(${x0 + 10} ${y1 + 10})">`);
  out.push(`<rect x="0" y="0" width="${num(legendW)}" height="${spec.series.length * rowH + 10}" fill="#ffffff" fill-opacity="0.9" stroke="#d1d5db" rx="4"/>`);
  spec.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length]!;
    const y = 14 + k * rowH;
    out.push(
      `<g class="legend-item"><line x1="8" x2="32" y1="${y}" y2="${y}" stroke="${escapeXml(color)}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="40" y="${y}" dy="0.32em" fill="#111827">${escapeXml(s.label)}</text></g>`,
    );
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// The generic SVG line chart: valid XML, escaped text, ticks from d3-scale,
// gaps for non-finite values.
import { describe, expect, it } from 'vitest';
import { escapeXml, lineChart } from '../../src/plot/line-chart.js';
import { byClass, parseSvg, texts } from './svg.js';

const xs = Array.from({ length: 50 }, (_, i) => -5 + (10 * i) / 49);

describe('lineChart', () => {
  it('draws every series with its colour, a legend entry, ticks, labels and zero lines', () => {
    const svg = lineChart({
      title: 'sin & cos <test>',
      subtitle: 'a "quoted" subtitle',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { label: 'sin', x: xs, y: xs.map(Math.sin) },
        { label: 'cos', x: xs, y: xs.map(Math.cos), dashed: true },
      ],
    });
    const doc = parseSvg(svg);
    const root = doc.documentElement!;
    expect(root.tagName).toBe('svg');
    expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
    const curves = byClass(doc, 'path', 'curve');
    expect(curves).toHaveLength(2);
    expect(new Set(curves.map((c) => c.getAttribute('stroke'))).size).toBe(2);
    for (const c of curves) expect(c.getAttribute('d')).toMatch(/^M[\d.,-]+(L[\d.,-]+){49}$/);
    expect(texts(byClass(doc, 'text', 'title'))).toEqual(['sin & cos <test>']);
    expect(texts(byClass(doc, 'text', 'subtitle'))).toEqual(['a "quoted" subtitle']);
    expect(texts(byClass(doc, 'text', 'axis-label'))).toEqual(['x', 'y']);
    expect(byClass(doc, 'g', 'legend-item').map((g) => g.textContent)).toEqual(['sin', 'cos']);
    const xTicks = texts(byClass(doc, 'g', 'x-axis').flatMap((g) => byClass(g as never, 'g', 'tick')));
    expect(xTicks).toContain('0');
    expect(xTicks.length).toBeGreaterThanOrEqual(5);
    expect(byClass(doc, 'line', 'zero-x')).toHaveLength(1);
    expect(byClass(doc, 'line', 'zero-y')).toHaveLength(1);
  });

  it('breaks a line at non-finite values and survives flat or empty data', () => {
    const y = xs.map((x) => (Math.abs(x) < 1 ? NaN : 1));
    const doc = parseSvg(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 'flat with a gap', x: xs, y }] }));
    const d = byClass(doc, 'path', 'curve')[0]!.getAttribute('d')!;
    expect(d.match(/M/g)).toHaveLength(2);
    const empty = parseSvg(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 'nothing', x: [], y: [] }] }));
    expect(byClass(empty, 'path', 'curve')).toHaveLength(1);
  });

  it('escapes XML', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });
});

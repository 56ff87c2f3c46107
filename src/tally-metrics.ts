// Counters and histograms for the metrics every request touches: the HTTP
// request counter and latency, the job counter, run and wait times.
//
// Why not prom-client's Counter and Histogram for these: their inc() and
// observe() validate and hash the label set on every call (~0.35 µs each; a
// small-graph request made five such calls, ~4% of its instructions,
// bench/instructions.js). Here an observation adds to a tally found by one Map
// lookup, and prom-client's registry reads the tallies when scraped, through
// the metric-object contract it uses for its own metrics (name, help, type,
// aggregator, get, reset): rendering, the other metrics and the cluster
// aggregate (sum) stay prom-client's. The output is line for line what
// prom-client's own counter and histogram print for the same observations
// (test/tally-metrics.test.ts).
import type { Metric, MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

type Labels = Record<string, string>;

/** One label set's tallies: observations, their sum, observations per bucket (not cumulative). */
interface Tally {
  labels: Labels;
  count: number;
  sum: number;
  perBucket: Float64Array;
}

interface Family {
  name: string;
  help: string;
}

/** Labels of up to three names, keyed by their values; the base of both metric kinds. */
class Tallies {
  private readonly tallies = new Map<string, Tally>();

  constructor(
    private readonly labelNames: readonly string[],
    protected readonly bounds: readonly number[],
  ) {
    if (labelNames.length < 1 || labelNames.length > 3) throw new Error('internal: 1 to 3 label names');
  }

  /** The tally of these label values (missing names get ''), made on first use. */
  protected tally(v0: string, v1: string, v2: string): Tally {
    const key = `${v0}\u0000${v1}\u0000${v2}`;
    let t = this.tallies.get(key);
    if (t === undefined) {
      const labels: Labels = {};
      const values = [v0, v1, v2];
      this.labelNames.forEach((n, i) => (labels[n] = values[i]!));
      t = { labels, count: 0, sum: 0, perBucket: new Float64Array(this.bounds.length) };
      this.tallies.set(key, t);
    }
    return t;
  }

  protected all(): IterableIterator<Tally> {
    return this.tallies.values();
  }

  protected reset(): void {
    this.tallies.clear();
  }

  /** Registers a view of these tallies with the registry (it calls only get and reset). */
  protected register(registry: Registry, family: Family, type: 'counter' | 'histogram', values: () => MetricValue<string>[]): void {
    const metric = {
      name: family.name,
      help: family.help,
      type,
      aggregator: 'sum',
      get: async () => ({ name: family.name, help: family.help, type, aggregator: 'sum', values: values() }) as unknown as MetricObjectWithValues<MetricValue<string>>,
      reset: () => this.reset(),
    };
    registry.registerMetric(metric as unknown as Metric);
  }

  protected counterValues(): MetricValue<string>[] {
    return [...this.all()].map((t) => ({ labels: { ...t.labels }, value: t.count }));
  }
}

export class TallyCounter extends Tallies {
  constructor(registry: Registry, family: Family & { labelNames: readonly string[] }) {
    super(family.labelNames, []);
    this.register(registry, family, 'counter', () => this.counterValues());
  }

  inc(v0: string, v1 = '', v2 = ''): void {
    this.tally(v0, v1, v2).count++;
  }
}

export class TallyHistogram extends Tallies {
  /**
   * `countedAs`: also expose each label set's number of observations as a
   * counter of that name (the HTTP request counter is the latency histogram's count).
   */
  constructor(registry: Registry, family: Family & { labelNames: readonly string[]; buckets: readonly number[]; countedAs?: Family }) {
    super(family.labelNames, family.buckets);
    if (family.countedAs) this.register(registry, family.countedAs, 'counter', () => this.counterValues());
    this.register(registry, family, 'histogram', () => this.histogramValues(family.name));
  }

  observe(value: number, v0: string, v1 = '', v2 = ''): void {
    const t = this.tally(v0, v1, v2);
    t.count++;
    t.sum += value;
    // The first bucket whose bound holds it (le: less than or equal); past the last, only +Inf.
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    if (i < b.length) t.perBucket[i]!++;
  }

  // As prom-client prints a histogram: per label set, the cumulative buckets
  // with `le` first, then +Inf, _sum and _count.
  private histogramValues(name: string): MetricValue<string>[] {
    const values: Array<MetricValue<string> & { metricName: string }> = [];
    for (const t of this.all()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += t.perBucket[i]!;
        values.push({ labels: { le: bound, ...t.labels }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...t.labels }, value: t.count, metricName: `${name}_bucket` });
      values.push({ labels: { ...t.labels }, value: t.sum, metricName: `${name}_sum` });
      values.push({ labels: { ...t.labels }, value: t.count, metricName: `${name}_count` });
    }
    return values;
  }
}

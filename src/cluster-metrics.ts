// GET /metrics across the processes of a cluster (PROCESSES > 1). A scrape
// lands on one process, so that process asks the primary over IPC; the
// primary asks every process for its registry (prom-client's
// AggregatorRegistry.clusterMetrics) and answers with the aggregate, which
// the process sends as the scrape's answer. prom-client aggregates each
// metric as it declares: sum by default (counters, histograms, our gauges),
// its own choice for some default metrics (see README, "Several HTTP
// processes").
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'gradserve:metrics-request';
const ANSWER = 'gradserve:metrics-answer';
/** A process waits this long for the primary (prom-client's own timeout is 5 s, so its error comes first). */
export const CLUSTER_METRICS_TIMEOUT_MS = 6000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isRequest = (m: unknown): m is MetricsRequest => (m as MetricsRequest | null)?.type === REQUEST;
const isAnswer = (m: unknown): m is MetricsAnswer => (m as MetricsAnswer | null)?.type === ANSWER;

/** Primary: answers the processes' requests with the aggregate of all their registries. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, msg: unknown) => {
    if (!isRequest(msg)) return;
    const answer = (a: Omit<MetricsAnswer, 'type' | 'id'>) => {
      // The asking process may have gone meanwhile; nothing to do then.
      if (worker.isConnected()) worker.send({ type: ANSWER, id: msg.id, ...a }, () => {});
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (err: Error) => answer({ error: err.message }),
    );
  });
}

let answering = false;
/**
 * Process: installs prom-client's listener that answers the primary with this
 * process's registries (the global, empty one until shareMetrics names ours).
 * It is installed by constructing an AggregatorRegistry; setRegistries alone
 * does not.
 */
export function answerPrimaryMetricsRequests(): void {
  if (answering) return;
  answering = true;
  new AggregatorRegistry();
}

/** Process: the registry the primary aggregates (one app per process). */
export function shareMetrics(registry: Registry): void {
  answerPrimaryMetricsRequests();
  AggregatorRegistry.setRegistries([registry]);
}

let nextId = 0;
const pending = new Map<number, (a: MetricsAnswer) => void>();
let listening = false;

/** Process: the metrics of every process, from the primary; rejects on an error or after timeoutMs. */
export function clusterMetricsText(timeoutMs = CLUSTER_METRICS_TIMEOUT_MS): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (msg: unknown) => {
      if (isAnswer(msg)) pending.get(msg.id)?.(msg);
    });
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => settle({ type: ANSWER, id, error: `no answer from the primary process within ${timeoutMs} ms` }), timeoutMs);
    function settle(a: MetricsAnswer): void {
      clearTimeout(timer);
      pending.delete(id);
      if (a.text !== undefined) resolve(a.text);
      else reject(new Error(a.error ?? 'no metrics'));
    }
    pending.set(id, settle);
    if (!process.send) return settle({ type: ANSWER, id, error: 'not a cluster process' });
    process.send({ type: REQUEST, id } satisfies MetricsRequest, undefined, undefined, (err: Error | null) => {
      if (err) settle({ type: ANSWER, id, error: err.message });
    });
  });
}

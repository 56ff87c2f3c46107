// The service entry (`npm start`, the image): one HTTP process (src/serve.ts),
// or with PROCESSES > 1 a node:cluster primary (src/cluster.ts) that forks
// PROCESSES copies of this same file, which serve. The primary imports none
// of the app (no addon, no fastify): it only forks, forwards signals and
// aggregates metrics.
import cluster from 'node:cluster';
import { loadConfig } from './config.js';

const cfg = loadConfig();

if (cfg.processes > 1 && cluster.isPrimary) {
  const { runPrimary } = await import('./cluster.js');
  runPrimary(cfg);
} else {
  if (cluster.isWorker) {
    // First of all: the primary may ask this process for its metrics as soon
    // as it is forked (another process's scrape), and a request that arrives
    // before the listener is lost (that scrape would time out).
    const { answerPrimaryMetricsRequests } = await import('./cluster-metrics.js');
    answerPrimaryMetricsRequests();
  }
  const { serve } = await import('./serve.js');
  await serve(cfg);
}

/**
 * Load generation with autocannon's programmatic API, in the bench process. Latencies are
 * recorded with microsecond precision from autocannon's `response` events (its own
 * histogram keeps whole milliseconds), and every status code is counted.
 */
import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';

const SAMPLE_MS = 250;

/**
 * One bounded autocannon run. Options: `url`, `path`, `headers`, `connections`,
 * `durationS`, `overallRate` (requests/s, optional), `requests` (autocannon's request
 * list, optional), `expect` (status codes that count as success, default [200, 304]),
 * `until` (optional promise: stop early when it settles; `durationS` still bounds the run),
 * `setupClient` (autocannon's per-connection hook), `timeoutS` (per request, default 10).
 */
export async function load({
  url,
  path = '/',
  headers = {},
  connections = 50,
  durationS = 5,
  overallRate,
  requests,
  setupClient,
  timeoutS = 10,
  expect = [200, 304],
  until,
}) {
  const latency = createHistogram();
  const instance = autocannon({
    url: new URL(path, url).toString(),
    headers,
    connections,
    duration: durationS,
    ...(overallRate && { overallRate }),
    timeout: timeoutS,
    // autocannon stops a run at its next sample tick: sample every 250 ms, not every second,
    // so that short (smoke) runs last what they are asked to.
    sampleInt: SAMPLE_MS,
    ...(requests && { requests }),
    ...(setupClient && { setupClient }),
  });
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
    latency.record(Math.max(1, Math.round(responseTimeMs * 1000)));
  });
  const stop = () => instance.stop();
  void until?.then(stop, stop);
  const result = await instance;
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
  );
  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const unexpected = Object.entries(statusCounts)
    .filter(([code]) => !expect.includes(Number(code)))
    .reduce((sum, [, count]) => sum + count, 0);
  const us = (p) => latency.percentile(p) / 1000;
  return {
    total,
    durationS: result.duration,
    rps: total / result.duration,
    statusCounts,
    errors: result.errors + unexpected,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    unexpectedStatus: unexpected,
    bytesPerS: (result.throughput.average * 1000) / SAMPLE_MS,
    latencyMs: {
      mean: latency.count ? latency.mean / 1000 : NaN,
      p50: latency.count ? us(50) : NaN,
      p90: latency.count ? us(90) : NaN,
      p99: latency.count ? us(99) : NaN,
      max: latency.count ? latency.max / 1000 : NaN,
    },
  };
}

export const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs each target in turn, `rounds` times (A B C, A B C, ...), so that drift in the
 * machine's load (other processes) hits every target alike. Each target is
 * `{name, url, path, headers, server?}`. Returns per target the median requests/s, latency
 * and (with `server`, a handle with `loopStats`) server CPU µs per request over rounds, the
 * per-round figures, and the error count.
 */
export async function compare(
  targets,
  { rounds = 3, durationS = 5, warmupS = 1, connections = 50 },
) {
  const out = Object.fromEntries(targets.map((t) => [t.name, { rounds: [] }]));
  if (warmupS > 0) {
    for (const target of targets) {
      await load({ ...target, connections, durationS: warmupS });
    }
  }
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      // Server-side CPU time per request (all threads of the server process), when the
      // target's server has the loop-monitor preload: robust to other load on the machine.
      const before = await target.server?.loopStats(true);
      const result = await load({ ...target, connections, durationS });
      const after = await target.server?.loopStats(true);
      if (before && after && result.total > 0) {
        const cpu = (c) => c.user + c.system;
        result.cpuUsPerRequest = (cpu(after.cpu) - cpu(before.cpu)) / result.total;
      }
      out[target.name].rounds.push(result);
    }
  }
  for (const name of Object.keys(out)) {
    const runs = out[name].rounds;
    out[name].rps = median(runs.map((r) => r.rps));
    out[name].p50 = median(runs.map((r) => r.latencyMs.p50));
    out[name].p99 = median(runs.map((r) => r.latencyMs.p99));
    out[name].cpuUs = median(runs.map((r) => r.cpuUsPerRequest));
    out[name].errors = runs.reduce((sum, r) => sum + r.errors, 0);
    out[name].statusCounts = runs.reduce((acc, r) => {
      for (const [code, count] of Object.entries(r.statusCounts))
        acc[code] = (acc[code] ?? 0) + count;
      return acc;
    }, {});
  }
  return out;
}

/**
 * Open-loop, evenly paced polling, the way browser tabs poll: `pollers` keep-alive
 * connections, each sending one GET every `pollers / rate` seconds, staggered so that the
 * requests arrive evenly (autocannon's `overallRate` sends each second's quota in a burst,
 * which measures burst queueing instead). A tick that comes while the poller's previous
 * request is still in flight is skipped and counted (`skipped`), as the web UI's poller does.
 * Stops after `durationS` or when `until` settles. Latencies with microsecond precision.
 */
export async function pacedPolls({
  url,
  path,
  pollers = 50,
  rate = 1000,
  durationS = 5,
  until,
  expect = [200, 304],
}) {
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: pollers });
  const target = new URL(path, url);
  const latency = createHistogram();
  const statusCounts = {};
  let socketErrors = 0;
  let skipped = 0;
  let stopped = false;
  const started = performance.now();
  const endAt = started + durationS * 1000;
  let stopTimer;
  const stopSignal = new Promise((resolve) => {
    stopTimer = setTimeout(resolve, durationS * 1000);
    void until?.then(resolve, resolve);
  }).then(() => {
    stopped = true;
  });
  const intervalMs = (pollers / rate) * 1000;
  const get = () =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, agent },
        (res) => {
          res.resume();
          res.on('end', () => {
            latency.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
            statusCounts[res.statusCode] = (statusCounts[res.statusCode] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        socketErrors += 1;
        resolve();
      });
      req.end();
    });
  const poller = async (i) => {
    let next = started + (i * intervalMs) / pollers;
    while (!stopped) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (stopped || performance.now() >= endAt) break;
      await get();
      next += intervalMs;
      while (next < performance.now()) {
        next += intervalMs;
        skipped += 1;
      }
    }
  };
  await Promise.race([
    Promise.all(Array.from({ length: pollers }, (_, i) => poller(i))),
    stopSignal,
  ]);
  stopped = true;
  clearTimeout(stopTimer);
  const durationSActual = (performance.now() - started) / 1000;
  agent.destroy();
  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const unexpected = Object.entries(statusCounts)
    .filter(([code]) => !expect.includes(Number(code)))
    .reduce((sum, [, count]) => sum + count, 0);
  const us = (p) => latency.percentile(p) / 1000;
  return {
    total,
    durationS: durationSActual,
    rps: total / durationSActual,
    statusCounts,
    skipped,
    errors: socketErrors + unexpected,
    socketErrors,
    unexpectedStatus: unexpected,
    latencyMs: {
      mean: latency.count ? latency.mean / 1000 : NaN,
      p50: latency.count ? us(50) : NaN,
      p90: latency.count ? us(90) : NaN,
      p99: latency.count ? us(99) : NaN,
      max: latency.count ? latency.max / 1000 : NaN,
    },
  };
}

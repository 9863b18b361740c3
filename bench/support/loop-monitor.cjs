'use strict';
/**
 * Preload for a server under test: `node --require bench/support/loop-monitor.cjs dist/main.js`.
 *
 * Measures the event-loop delay of the server's main thread with
 * `perf_hooks.monitorEventLoopDelay` and reports it, with memory usage, on demand:
 * - over IPC, when the process was forked with an IPC channel: the parent sends
 *   `{type: 'loop-stats', reset?: boolean, id}` and gets `{type: 'loop-stats', id, ...}` back;
 *   the first server that starts listening is announced as `{type: 'listening', port}`, so a
 *   bench can start the service with PORT=0 and learn the port the OS chose;
 * - on SIGUSR2, written as one JSON line to the file named by LOOP_MONITOR_FILE (appended),
 *   or to stderr, then the histogram is reset. Handy with a server started by hand.
 *
 * Also over IPC: `{type: 'cpu-profile', action: 'start' | 'stop', file, id}` records a V8 CPU
 * profile of the main thread between start and stop (node:inspector) and writes it to `file`
 * (open it in Chrome DevTools or summarise it with bench/support/profile-summary.mjs).
 *
 * monitorEventLoopDelay records the time between two ticks of its timer, so every sample
 * includes the timer's own interval (LOOP_MONITOR_RESOLUTION_MS, default 5 ms): that interval
 * is subtracted here, and what is reported is the delay beyond it.
 * Bench-only: never loaded by the service itself.
 */
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { appendFileSync } = require('node:fs');
const net = require('node:net');

const resolution = Number(process.env.LOOP_MONITOR_RESOLUTION_MS) || 5;
const histogram = monitorEventLoopDelay({ resolution });
histogram.enable();
let since = Date.now();

/** Delay beyond the timer's interval, in ms with two decimals. */
const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - resolution) * 100) / 100);

function snapshot(reset) {
  const memory = process.memoryUsage();
  const stats = {
    windowMs: Date.now() - since,
    resolutionMs: resolution,
    samples: histogram.count,
    loopDelayMs: {
      min: ms(histogram.min),
      mean: ms(histogram.mean),
      p50: ms(histogram.percentile(50)),
      p90: ms(histogram.percentile(90)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    },
    memory: {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
    },
    cpu: process.cpuUsage(),
  };
  if (reset) {
    histogram.reset();
    since = Date.now();
  }
  return stats;
}

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message && message.type === 'loop-stats') {
      process.send({ type: 'loop-stats', id: message.id, ...snapshot(Boolean(message.reset)) });
    } else if (message && message.type === 'cpu-profile') {
      cpuProfile(message.action, message.file).then(
        () => process.send({ type: 'cpu-profile', id: message.id }),
        (error) => process.send({ type: 'cpu-profile', id: message.id, error: String(error) }),
      );
    }
  });
  // The IPC channel must not keep a server alive that is shutting down.
  process.channel?.unref();
  // The bench that started this server is gone (crashed, killed): shut down, as on SIGTERM,
  // rather than stay behind as an orphan.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));

  // Announce the port of the first server that listens (PORT=0 lets the OS choose it).
  const listen = net.Server.prototype.listen;
  let announced = false;
  net.Server.prototype.listen = function (...args) {
    if (!announced) {
      this.once('listening', () => {
        if (announced) return;
        const address = this.address();
        if (address && typeof address === 'object') {
          announced = true;
          process.send?.({ type: 'listening', port: address.port });
        }
      });
    }
    return listen.apply(this, args);
  };
}

let session = null;

async function cpuProfile(action, file) {
  const inspector = require('node:inspector');
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  if (action === 'start') {
    session ??= new inspector.Session();
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
    return;
  }
  if (!session) throw new Error('no profile started');
  const { profile } = await post('Profiler.stop');
  session.disconnect();
  session = null;
  require('node:fs').writeFileSync(file, JSON.stringify(profile));
}

process.on('SIGUSR2', () => {
  const line = `${JSON.stringify({ pid: process.pid, at: new Date().toISOString(), ...snapshot(true) })}\n`;
  if (process.env.LOOP_MONITOR_FILE) appendFileSync(process.env.LOOP_MONITOR_FILE, line);
  else process.stderr.write(line);
});

#!/usr/bin/env node
/**
 * How far a 304 can get ahead of a 200 at all (row 3a's goal is ≥ 1.5× the 200's req/s): a
 * bare Fastify route (baseline-server.mjs `conditional`: the same 10-segment task's JSON
 * serialized once, its etag and cache-control) answering 200 and 304, next to the service's
 * own 200 and 304 of that task, interleaved in one run with the same load generator
 * (autocannon in this process, 50 connections). Prints req/s, server CPU µs per request
 * (medians of the rounds) and the 304/200 ratios of each.
 *
 *   node bench/status-ceiling.mjs [--rounds=5] [--seconds=3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare } from './support/load.mjs';
import { ensureBuilt, startBaseline, startService } from './support/processes.mjs';
import { call, generatedProject } from './support/story.mjs';
import { sentences } from './support/texts.mjs';
import { numberOption as opt } from './support/args.mjs';

ensureBuilt();
const scratch = mkdtempSync(join(tmpdir(), 'storyflow-ceiling-'));
const stops = [];
try {
  const service = await startService({ workers: 1, label: 'service' });
  stops.push(() => service.stop());
  const texts = sentences(10, { minWords: 3, maxWords: 6, seed: 1 });
  const { taskId } = await generatedProject(service.base, texts, { timeoutMs: 120_000 });
  const path = `/api/tasks/${taskId}/status/`;
  const { json: state, headers } = await call(service.base, 'GET', path);
  const stateFile = join(scratch, 'state.json');
  writeFileSync(stateFile, JSON.stringify(state));
  const bare = await startBaseline('conditional', { stateFile });
  stops.push(() => bare.stop());
  const bareEtag = `"baseline-${taskId.length}-1"`;
  const target = (name, server, etag) => ({
    name,
    server,
    url: server.base,
    path,
    headers: etag ? { 'if-none-match': etag } : {},
  });
  console.error(`state ${Buffer.byteLength(JSON.stringify(state))} B; measuring`);
  const result = await compare(
    [
      target('bare 200', bare),
      target('bare 304', bare, bareEtag),
      target('service 200', service),
      target('service 304', service, headers.get('etag')),
    ],
    { rounds: opt('rounds', 5), durationS: opt('seconds', 3), warmupS: 1, connections: 50 },
  );
  for (const [name, r] of Object.entries(result)) {
    const cpu = r.rounds.map((x) => Math.round(x.cpuUsPerRequest)).join(' ');
    const rps = r.rounds.map((x) => Math.round(x.rps)).join(' ');
    console.log(
      `${name.padEnd(12)} ${Math.round(r.rps)} req/s (rounds: ${rps})  ${r.cpuUs.toFixed(1)} µs CPU/req (rounds: ${cpu})  errors ${r.errors}`,
    );
  }
  for (const who of ['bare', 'service']) {
    const ok = result[`${who} 200`];
    const not = result[`${who} 304`];
    console.log(
      `${who}: 304/200 req/s ${(not.rps / ok.rps).toFixed(2)}×, CPU/req 200÷304 ${(ok.cpuUs / not.cpuUs).toFixed(2)}×`,
    );
  }
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(scratch, { recursive: true, force: true });
}

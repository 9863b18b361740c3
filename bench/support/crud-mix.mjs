/**
 * Section 8: the storage path under a CRUD mix, the same on both databases: create a project,
 * import 50 segments, list projects and the project's segments, patch a segment, delete the
 * project. `clients` loops run it concurrently against one service for `durationS`; the
 * result is mixes per second and the p99 of one mix.
 */
import pg from 'pg';
import { call } from './story.mjs';

const SEGMENTS = 50;

async function oneMix(base, n) {
  const ok = (res, what, codes) => {
    if (!codes.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    return res.json;
  };
  const project = ok(await call(base, 'POST', '/api/projects/', { title: `Mix ${n}` }), 'create', [201]);
  const segments = ok(
    await call(base, 'POST', `/api/projects/${project.id}/import-segments/`, {
      format: 'json',
      segments: Array.from({ length: SEGMENTS }, (_, i) => ({
        text_content: `Segment ${i} of mix ${n}: a sentence of ordinary length for a story.`,
        image_prompt: `prompt ${i}`,
      })),
    }),
    'import',
    [201],
  );
  ok(await call(base, 'GET', '/api/projects/'), 'list projects', [200]);
  ok(await call(base, 'GET', `/api/segments/?project=${project.id}`), 'list segments', [200]);
  const target = segments[Math.floor(segments.length / 2)];
  ok(await call(base, 'PATCH', `/api/segments/${target.id}/`, { text_content: 'patched', is_locked: true }), 'patch', [200]);
  ok(await call(base, 'DELETE', `/api/projects/${project.id}/`), 'delete', [204]);
}

/** Runs the mix with `clients` concurrent loops for `durationS`; resolves with the figures. */
export async function crudMix(base, { clients, durationS }) {
  const until = Date.now() + durationS * 1000;
  const latencies = [];
  let errors = 0;
  let n = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < until) {
        const started = performance.now();
        try {
          await oneMix(base, n++);
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsedS = durationS + Math.max(0, Date.now() - until) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    mixes: latencies.length,
    rate: latencies.length / elapsedS,
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN,
    errors,
  };
}

/**
 * A fresh database on the server of BENCH_POSTGRES_URL (default: 127.0.0.1:5432, user
 * postgres); resolves with its URL and a drop function, or null when no server answers.
 */
export async function benchDatabase() {
  const serverUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const name = `sf_bench_${process.pid}_${Date.now().toString(36)}`;
  try {
    await admin(`CREATE DATABASE "${name}"`);
  } catch (error) {
    return { url: null, serverUrl, reason: error.message };
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    serverUrl,
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

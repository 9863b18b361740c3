/**
 * Bare Fastify baselines for the status benchmarks, one mode per process:
 *
 *   node bench/support/baseline-server.mjs naive    <state.json>
 *   node bench/support/baseline-server.mjs constant <state.json>
 *   node bench/support/baseline-server.mjs hello
 *   node bench/support/baseline-server.mjs conditional <state.json>
 *
 * - `naive`: GET /api/tasks/:task_id/status answers `JSON.stringify(structuredClone(state))`
 *   per request: the obvious implementation of a status endpoint over shared mutable state.
 * - `constant`: the same route answers the state's JSON serialized once at start, with the
 *   headers the service sends (etag, cache-control): the practical limit of any server on
 *   this Fastify version.
 * - `hello`: GET /api/settings/ answers a small constant JSON; the cold-start baseline.
 * - `conditional`: `constant`, but a request whose If-None-Match is the etag gets a 304 with
 *   the same headers and no body: the ceiling of a 304 vs a 200 on this Fastify
 *   (bench/status-ceiling.mjs; not a row of `npm run bench`).
 *
 * Same Fastify package and router options as the service (ignoreTrailingSlash,
 * maxParamLength 4096). Listens on PORT (default 0: the OS picks it) on 127.0.0.1 and
 * announces the port over IPC (`{type: 'listening', port}`) when forked.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [mode, stateFile] = process.argv.slice(2);
const app = Fastify({
  logger: false,
  bodyLimit: 1024 * 1024,
  routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
});

if (mode === 'naive' || mode === 'constant' || mode === 'conditional') {
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  const tasks = new Map([[state.task_id, state]]);
  const json = JSON.stringify(state);
  const etag = `"baseline-${state.task_id.length}-1"`;
  app.get('/api/tasks/:task_id/status', (request, reply) => {
    const task = tasks.get(request.params.task_id);
    if (!task) return reply.code(404).send({ error: 'Task not found' });
    if (mode === 'naive') {
      // The naive thing: copy the live state so the answer is consistent, then serialize it.
      reply
        .header('cache-control', 'no-cache')
        .header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify(structuredClone(task)));
    } else if (mode === 'conditional' && request.headers['if-none-match'] === etag) {
      reply.header('etag', etag).header('cache-control', 'no-cache').code(304).send();
    } else {
      reply
        .header('etag', etag)
        .header('cache-control', 'no-cache')
        .header('content-type', 'application/json; charset=utf-8')
        .send(json);
    }
  });
} else if (mode === 'hello') {
  app.get('/api/settings', () => ({ default_voice_id: 'af_bella', tts_speed: 1 }));
} else {
  console.error(`unknown mode ${mode}: naive | constant | conditional | hello`);
  process.exit(2);
}

const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: '127.0.0.1' });
process.send?.({ type: 'listening', port: app.server.address().port });
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}

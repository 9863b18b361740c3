import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from './support/server-process';

/** The JSON log lines of the server so far. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

type RequestLine = {
  req?: { id?: string; method?: string; url?: string };
  res?: { statusCode?: number };
};

function linesOf(server: ServerProcess, id: string): RequestLine[] {
  return logLines(server).filter((line) => (line as RequestLine).req?.id === id) as RequestLine[];
}

describe('request logs (e2e, real process, LOG_LEVEL=info)', () => {
  let server: ServerProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'storyflow-logs-'));
    server = await startServerProcess({ DATA_DIR: dataDir, TTS_WORKERS: '1', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = (path: string, id: string) =>
    fetch(`${server.baseUrl}${path}`, { headers: { 'x-request-id': id } });

  it('logs one line per API request, carrying its request id, method, URL and status', async () => {
    const res = await get('/api/projects/', 'log-test:projects');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('log-test:projects');
    await server.waitForOutput('"id":"log-test:projects"');
    const lines = linesOf(server, 'log-test:projects');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'log-test:projects', method: 'GET', url: '/api/projects/' },
      res: { statusCode: 200 },
    });
  });

  it('logs errors and unknown API routes too, with their ids', async () => {
    expect((await get('/api/projects/no-such-project/', 'log-test:missing')).status).toBe(404);
    expect((await get('/api/nothing-here/', 'log-test:no-route')).status).toBe(404);
    await server.waitForOutput('"id":"log-test:no-route"');
    await server.waitForOutput('"id":"log-test:missing"');
    expect(linesOf(server, 'log-test:missing')[0]).toMatchObject({ res: { statusCode: 404 } });
    expect(linesOf(server, 'log-test:no-route')[0]).toMatchObject({ res: { statusCode: 404 } });
  });

  it('does not log status polls (the hot path), which still echo their request id', async () => {
    const poll = await get('/api/tasks/no-such-task/status/', 'log-test:poll');
    expect(poll.status).toBe(404);
    expect(await poll.json()).toEqual({ error: 'Task not found' });
    expect(poll.headers.get('x-request-id')).toBe('log-test:poll');
    // A logged request after the poll: once its line is out, the poll's would be too.
    await get('/api/projects/', 'log-test:after-poll');
    await server.waitForOutput('"id":"log-test:after-poll"');
    expect(linesOf(server, 'log-test:poll')).toHaveLength(0);
  });
});

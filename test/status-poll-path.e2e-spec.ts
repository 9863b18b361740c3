import { TaskManagerService } from '../src/tasks/task-manager.service';
import { api } from './support/story-api';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The status poll is served straight from Fastify (serveDirectly, docs/PERFORMANCE.md §1):
 * what Nest's pipeline would otherwise give it must still be there.
 */
describe('status poll outside the happy path (e2e)', () => {
  let t: TestApp;
  const failing = new Error('task table on fire');
  beforeAll(async () => {
    // The manager is an async façade: getView rejects (the status handler awaits it).
    const broken = {
      getView: async () => {
        throw failing;
      },
      isTerminal: () => false,
      counts: async () => ({}),
      list: async () => [],
      restore: async () => undefined,
    };
    t = await startTestApp({ overrides: [{ provide: TaskManagerService, useValue: broken }] });
  });
  afterAll(() => t.close());

  it('an unexpected failure is the global 500 JSON, with security headers and the request id', async () => {
    const res = await api(t.app).get('/api/tasks/any-task/status/', { 'x-request-id': 'poll-500' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toBe('{"error":"Internal server error"}');
    expect(res.body).not.toContain('on fire');
    expect(res.headers['x-request-id']).toBe('poll-500');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });
});

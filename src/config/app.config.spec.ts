import { loadAppConfig } from './app.config';

describe('loadAppConfig: JOB_LOCK_SECONDS', () => {
  const scaledOut = {
    REDIS_URL: 'redis://127.0.0.1:6379',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/storyflow',
  };

  it('is 15 s by default, part of the Redis configuration', () => {
    expect(loadAppConfig(scaledOut).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'storyflow',
      jobLockSeconds: 15,
    });
  });

  it('takes whole seconds from 1 to 600', () => {
    expect(loadAppConfig({ ...scaledOut, JOB_LOCK_SECONDS: '5' }).redis?.jobLockSeconds).toBe(5);
    for (const bad of ['0', '601', '2.5', 'soon']) {
      expect(() => loadAppConfig({ ...scaledOut, JOB_LOCK_SECONDS: bad })).toThrow(
        /JOB_LOCK_SECONDS=/,
      );
    }
  });

  it('means nothing without REDIS_URL', () => {
    expect(loadAppConfig({ JOB_LOCK_SECONDS: '5' }).redis).toBeNull();
  });
});

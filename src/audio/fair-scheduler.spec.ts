import { FairScheduler } from './fair-scheduler';

/** A job that records its start and waits until released. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const job = async () => {
    log.push(name);
    await released;
  };
  return { job, release };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Jobs that log their engine step, release their slot at once, then finish behind a gate. */
const releasingJobs = (log: string[], finishers: ReturnType<typeof gate>[]) =>
  finishers.map((finisher, i) => async (releaseSlot: () => void) => {
    log.push(`engine${i}`);
    releaseSlot();
    await finisher.job();
  });

describe('FairScheduler', () => {
  it('never runs more jobs than slots', async () => {
    const scheduler = new FairScheduler(2);
    const log: string[] = [];
    const gates = [0, 1, 2, 3].map((i) => gate(log, `a${i}`));
    const done = scheduler.submit(
      'a',
      gates.map((g) => g.job),
    );
    await flush();
    expect(log).toEqual(['a0', 'a1']);
    expect(scheduler.busy).toBe(2);
    expect(scheduler.queued).toBe(2);
    gates.forEach((g) => g.release());
    await done;
    expect(log).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(scheduler.busy).toBe(0);
  });

  it('takes groups in turn: a one-job group runs after at most one job of a long group', async () => {
    const scheduler = new FairScheduler(1);
    const log: string[] = [];
    const long = Array.from({ length: 50 }, (_, i) => async () => {
      log.push(`batch${i}`);
    });
    const batch = scheduler.submit('batch', long);
    const single = scheduler.submit('single', [async () => void log.push('single')]);
    await single;
    expect(log.indexOf('single')).toBeLessThanOrEqual(2);
    await batch;
    expect(log).toHaveLength(51);
  });

  it('a failing job does not stop the group', async () => {
    const scheduler = new FairScheduler(1);
    const log: string[] = [];
    await scheduler.submit('g', [
      async () => void log.push('1'),
      async () => {
        throw new Error('boom');
      },
      async () => void log.push('3'),
    ]);
    expect(log).toEqual(['1', '3']);
  });

  it('drop() discards queued jobs and settles once the running ones end', async () => {
    const scheduler = new FairScheduler(1);
    const log: string[] = [];
    const first = gate(log, 'first');
    const done = scheduler.submit('g', [first.job, async () => void log.push('second')]);
    await flush();
    scheduler.drop('g');
    let settled = false;
    void done.then(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    first.release();
    await done;
    expect(log).toEqual(['first']);
  });

  it('an empty group settles at once', async () => {
    await expect(new FairScheduler(1).submit('g', [])).resolves.toBeUndefined();
  });

  it('a job that releases its slot lets the next one start, up to `slots` finishing at once', async () => {
    const scheduler = new FairScheduler(1);
    const log: string[] = [];
    const finishers = [0, 1, 2].map((i) => gate(log, `finish${i}`));
    const jobs = releasingJobs(log, finishers);
    const done = scheduler.submit('g', jobs);
    await flush();
    // job 0 released its slot: job 1 runs; job 1 cannot release (one finishing already).
    expect(log).toEqual(['engine0', 'finish0', 'engine1', 'finish1']);
    expect(scheduler.busy).toBe(1);
    expect(scheduler.finishing).toBe(1);
    finishers[0].release();
    await flush();
    finishers[1].release();
    await flush();
    finishers[2].release();
    await done;
    expect(log.filter((l) => l.startsWith('engine'))).toEqual(['engine0', 'engine1', 'engine2']);
    expect(scheduler.busy + scheduler.finishing).toBe(0);
  });

  it('with maxFinishing above slots, that many jobs finish at once while the slot runs the next', async () => {
    const scheduler = new FairScheduler(1, 2);
    const log: string[] = [];
    const finishers = [0, 1, 2, 3].map((i) => gate(log, `finish${i}`));
    const jobs = releasingJobs(log, finishers);
    const done = scheduler.submit('g', jobs);
    await flush();
    // Jobs 0 and 1 finish outside the slot; job 2 has the slot and cannot release it.
    expect(log).toEqual(['engine0', 'finish0', 'engine1', 'finish1', 'engine2', 'finish2']);
    expect(scheduler.busy).toBe(1);
    expect(scheduler.finishing).toBe(2);
    for (const finisher of finishers) finisher.release();
    await done;
    expect(log.filter((l) => l.startsWith('engine'))).toHaveLength(4);
    expect(scheduler.busy + scheduler.finishing).toBe(0);
  });
});

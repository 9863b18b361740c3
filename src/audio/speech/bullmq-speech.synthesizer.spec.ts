import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { RedisConnections } from '../../common/redis/redis-connections';
import { testRedisConnections } from '../../common/redis/redis-test-connections';
import { SynthesisFailedError } from '../engine/tts-engine.errors';
import { BullmqSpeechProcessor } from './bullmq-speech.processor';
import { BullmqSpeechSynthesizer, SPEECH_QUEUE_NAME } from './bullmq-speech.synthesizer';
import { ScriptedEngine, speechSynthesizerContract, until } from './speech-synthesizer.contract';
import { SpeechUnavailableError } from './speech.synthesizer';

// A real Redis (TEST_REDIS_URL, 127.0.0.1:6379 by default): fails, never skips, without one.
// Each fixture runs on a key prefix of its own, removed afterwards.

const CHECK_MS = 100;

async function node(redis: RedisConnections, engine: ScriptedEngine, kind = 'espeak') {
  const processor = new BullmqSpeechProcessor(redis, engine, kind, {
    shutdownGraceSeconds: 0,
    lockDurationMs: 2000,
  });
  processor.onApplicationBootstrap();
  return processor;
}

speechSynthesizerContract('BullmqSpeechSynthesizer (BullMQ on Redis)', async (engine) => {
  const { redis, cleanup } = await testRedisConnections('speech');
  const processor = await node(redis, engine);
  if (!engine.broken) await processor.ready();
  const speech = new BullmqSpeechSynthesizer(redis, 'espeak', { checkIntervalMs: CHECK_MS });
  return {
    speech,
    settle: () => delay(150),
    dispose: async () => {
      await speech.onModuleDestroy();
      await processor.onModuleDestroy();
      await cleanup();
    },
  };
});

describe('BullmqSpeechSynthesizer: faults, streaming window, retention', () => {
  let fixture: Awaited<ReturnType<typeof testRedisConnections>>;
  let engine: ScriptedEngine;
  let speech: BullmqSpeechSynthesizer;
  let processor: BullmqSpeechProcessor | undefined;

  beforeEach(async () => {
    fixture = await testRedisConnections('speech-faults');
    engine = new ScriptedEngine();
    speech = new BullmqSpeechSynthesizer(fixture.redis, 'espeak', { checkIntervalMs: CHECK_MS });
  });

  afterEach(async () => {
    engine.release();
    await speech.onModuleDestroy();
    await processor?.onModuleDestroy();
    processor = undefined;
    await fixture.cleanup();
  });

  /** Keys of speech jobs and results left under the fixture's prefix. */
  async function leftovers(): Promise<string[]> {
    const keys = await fixture.redis.command.keys(`${fixture.redis.prefix}:*`);
    return keys.filter((key) => /speech_|speech-result/.test(key));
  }

  const pieces = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ text: `Piece ${i + 1}.`, voice: 'en-us', speed: 1 }));

  /** What a one-piece request fails with (null if it is answered). */
  const firstError = () =>
    speech
      .speak(pieces(1), new AbortController().signal)
      .next()
      .then(
        () => null,
        (e: unknown) => e,
      );

  it('no worker running: unavailable at once, and nothing is queued', async () => {
    const error = await firstError();
    expect(error).toBeInstanceOf(SpeechUnavailableError);
    expect((error as Error).message).toMatch(/No speech worker is running/);
    expect(await leftovers()).toEqual([]);
  });

  it('the only worker goes away mid-request: unavailable within two checks, never a hang', async () => {
    engine.held = true;
    processor = await node(fixture.redis, engine);
    await processor.ready();
    const spoken = speech.speak(pieces(3), new AbortController().signal);
    const first = spoken.next().then(
      () => null,
      (e: unknown) => e,
    );
    await until(() => engine.started.length >= 1);
    // Stopped with no grace: its piece is aborted and goes back to the queue, for nobody.
    await processor.onModuleDestroy();
    processor = undefined;
    const error = await first;
    expect(error).toBeInstanceOf(SpeechUnavailableError);
    expect((error as Error).message).toMatch(/No speech worker is running/);
    await until(async () => speech.pending === 0);
    await until(async () => (await leftovers()).length === 0);
  });

  it('a long request is never out whole: at most 3 pieces queued or in hand at once', async () => {
    processor = await node(fixture.redis, engine);
    await processor.ready();
    const seen: number[] = [];
    let count = 0;
    for await (const result of speech.speak(pieces(20), new AbortController().signal)) {
      expect(result.samples.length).toBeGreaterThan(0);
      seen.push(speech.pending);
      count += 1;
    }
    expect(count).toBe(20);
    expect(Math.max(...seen)).toBeLessThanOrEqual(3);
    // Every job and every result key is gone.
    await until(async () => (await leftovers()).length === 0);
  });

  it('a cancelled request leaves no job and no samples behind', async () => {
    engine.held = true;
    processor = await node(fixture.redis, engine);
    await processor.ready();
    const cancel = new AbortController();
    const spoken = speech.speak(pieces(10), cancel.signal);
    const first = spoken.next().catch(() => undefined);
    await until(() => engine.started.length >= 1);
    cancel.abort();
    await first;
    // The worker heard the cancel: the running piece was aborted, not finished.
    await until(() => engine.aborted.length === 1);
    engine.release();
    await until(async () => speech.pending === 0);
    await until(async () => (await leftovers()).length === 0);
    expect(engine.finished).toEqual([]);
  });

  it('a worker with another engine refuses the piece, saying what to fix', async () => {
    processor = await node(fixture.redis, engine, 'kokoro');
    await processor.ready();
    const error = await firstError();
    expect(error).toBeInstanceOf(SynthesisFailedError);
    expect((error as Error).message).toMatch(/same TTS_ENGINE/);
    expect(engine.started).toEqual([]);
  });

  it('the speech queue is apart from generation: its jobs are on `speech`, removed once done', async () => {
    processor = await node(fixture.redis, engine);
    await processor.ready();
    for await (const result of speech.speak(pieces(2), new AbortController().signal)) {
      expect(result.sampleRate).toBe(16_000);
    }
    const queue = new Queue(SPEECH_QUEUE_NAME, {
      connection: fixture.redis.bullConnection(),
      prefix: fixture.redis.key('bull'),
    });
    try {
      const counts = await queue.getJobCounts('wait', 'active', 'completed', 'failed');
      expect(counts).toEqual({ wait: 0, active: 0, completed: 0, failed: 0 });
    } finally {
      await queue.close();
    }
  });
});

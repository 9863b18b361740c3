import { describeError } from '../common/errors/describe-error';
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EspeakTtsEngine } from '../audio/engine/espeak-tts.engine';
import { SynthesisAbortedError } from '../audio/engine/tts-engine.errors';
import { findVoice, VOICE_CATALOGUE } from '../audio/engine/voice-catalogue';
import { durationOf, encodeWav, WAV_HEADER_BYTES } from '../audio/engine/wav';
import { openLocalFile } from '../media/stored-file';
import { narrationStream, PartSource } from '../narration/narration-stream';
import {
  buildTimeline,
  CueGranularity,
  formatSubtitles,
  subtitleCues,
  TimelinePart,
} from '../narration/narration-timeline';
import { TTS_SPEED_MAX, TTS_SPEED_MIN } from '../settings/settings.types';
import { CliError, EXIT } from './cli.errors';
import { NarrateProgress } from './narrate-progress';
import { readStoryFile } from './story-file';

export interface NarrateOptions {
  output: string;
  srt?: string;
  voice: string;
  speed: number;
  /** Pause between segments, in seconds. */
  gap: number;
  by: CueGranularity;
}

/** Segments synthesized at once: the engine's workers, at most 4 (a laptop stays usable). */
const MAX_WORKERS = 4;

/**
 * `storyflow-voice narrate`: the story's segments synthesized by the engine in this process
 * (no server), each written to a WAV in a temporary folder, then joined by the narration
 * code the server uses (the same timeline, stream and subtitle cues) into the output file.
 * Outputs are written under temporary names next to their targets and renamed at the very
 * end, so a failure or Ctrl-C leaves no partial output file.
 */
export async function narrate(file: string, options: NarrateOptions): Promise<string> {
  const voice = findVoice(options.voice);
  if (!voice) {
    throw new CliError(
      `unknown voice "${options.voice}"; one of: ${VOICE_CATALOGUE.map((v) => v.id).join(', ')}`,
      EXIT.usage,
    );
  }
  if (!(options.speed >= TTS_SPEED_MIN && options.speed <= TTS_SPEED_MAX)) {
    throw new CliError(`--speed must be between ${TTS_SPEED_MIN} and ${TTS_SPEED_MAX}`, EXIT.usage);
  }
  if (!(options.gap >= 0 && options.gap <= 5)) {
    throw new CliError('--gap must be between 0 and 5 seconds', EXIT.usage);
  }
  const texts = await readStoryFile(file);
  const wavPath = resolve(options.output);
  const subtitlesPath = options.srt === undefined ? undefined : resolve(options.srt);

  const interrupted = new AbortController();
  const failed = new AbortController();
  const signal = AbortSignal.any([interrupted.signal, failed.signal]);
  const partials: string[] = [];
  let workDir: string | undefined;
  // Ctrl-C: stop the engine and clean up; a second Ctrl-C leaves at once, still cleaning up.
  const onSignal = () => {
    if (interrupted.signal.aborted) {
      for (const path of partials) rmSync(path, { force: true });
      if (workDir) rmSync(workDir, { recursive: true, force: true });
      process.exit(EXIT.interrupted);
    }
    interrupted.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const engine = new EspeakTtsEngine({
    workers: Math.max(1, Math.min(MAX_WORKERS, availableParallelism(), texts.length)),
  });
  const progress = new NarrateProgress(texts, process.stderr);
  try {
    workDir = await mkdtemp(join(tmpdir(), 'storyflow-voice-'));
    const dir = workDir;
    await engine.start();
    const parts = new Array<TimelinePart>(texts.length);
    const sources = new Map<string, PartSource>();
    await forEachLimited(texts, engine.workers, async (text, i) => {
      if (signal.aborted) return;
      progress.begin(i);
      try {
        const { samples, sampleRate, words } = await engine.synthesize(
          { text, voice: voice.engineVoice, speed: options.speed },
          { signal, onProgress: (fraction) => progress.update(i, fraction) },
        );
        const path = join(dir, `${i}.wav`);
        await writeFile(path, encodeWav(samples, sampleRate));
        const segmentId = String(i);
        parts[i] = {
          segmentId,
          text,
          sampleRate,
          sampleCount: samples.length,
          words: words ?? null,
        };
        sources.set(segmentId, { open: () => openLocalFile(path), dataOffset: WAV_HEADER_BYTES });
        progress.finish(i, durationOf(samples, sampleRate));
      } catch (error) {
        failed.abort(); // one failure stops the others: the narration would be incomplete
        throw error;
      }
    });
    if (signal.aborted) throw new SynthesisAbortedError();

    const timeline = buildTimeline(parts, parts[0].sampleRate, options.gap);
    const wavPartial = partialName(wavPath);
    partials.push(wavPartial);
    await pipeline(narrationStream(timeline, sources), createWriteStream(wavPartial), {
      signal,
    });
    let subtitlesPartial: string | undefined;
    let cueCount = 0;
    if (subtitlesPath) {
      const cues = subtitleCues(timeline, options.by);
      cueCount = cues.length;
      const format = extname(subtitlesPath).toLowerCase() === '.vtt' ? 'vtt' : 'srt';
      subtitlesPartial = partialName(subtitlesPath);
      partials.push(subtitlesPartial);
      await writeFile(subtitlesPartial, formatSubtitles(cues, format));
    }
    if (signal.aborted) throw new SynthesisAbortedError();
    await rename(wavPartial, wavPath);
    if (subtitlesPartial && subtitlesPath) await rename(subtitlesPartial, subtitlesPath);
    progress.stop();

    const seconds = timeline.totalSamples / timeline.sampleRate;
    const written = `Wrote ${options.output} (${seconds.toFixed(1)} s, ${texts.length} segments)`;
    return subtitlesPath ? `${written} and ${options.srt} (${cueCount} cues)` : written;
  } catch (error) {
    progress.stop();
    if (interrupted.signal.aborted) {
      throw new CliError('interrupted: no output file written', EXIT.interrupted);
    }
    if (error instanceof CliError) throw error;
    throw new CliError(describe(error));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await Promise.all(partials.map((path) => rm(path, { force: true })));
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await engine.close();
  }
}

/** A hidden temporary name next to `target`, on the same file system so rename is atomic. */
function partialName(target: string): string {
  return join(dirname(target), `.${basename(target)}.partial-${randomBytes(4).toString('hex')}`);
}

/** Runs `work` on every item, at most `limit` at once; rejects with the first failure. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (error) {
        failure ??= { error }; // the first in time: the others are usually its consequences
      }
    }
  });
  await Promise.all(lanes);
  if (failure) throw failure.error;
}

/** One line, for stderr. */
function describe(error: unknown): string {
  return describeError(error).replace(/\s+/g, ' ').trim();
}

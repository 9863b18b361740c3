import { Injectable } from '@nestjs/common';
import { parseWavHeader, WavInfo } from '../audio/engine/wav';
import { AudioStorage } from '../audio/storage/audio.storage';
import type { WordBoundary } from '../common/speech/word-boundary';
import type { Segment } from '../projects/segments/segment.types';
import { SegmentsService } from '../projects/segments/segments.service';
import { SettingsService } from '../settings/settings.service';
import { NarrationAudioMissingError, NarrationSampleRatesDifferError } from './narration.errors';
import { PartSource } from './narration-stream';
import { buildTimeline, NarrationTimeline, TimelinePart } from './narration-timeline';

/** Sample rate of a narration with no audio at all (eSpeak's). */
const EMPTY_NARRATION_SAMPLE_RATE = 22_050;

/** Bytes read from the start of a WAV to find its header: enough for any header we write. */
const HEADER_PROBE_BYTES = 4096;

/** Segment files probed at once. */
const PROBE_CONCURRENCY = 32;

export interface NarrationOptions {
  /** Pause between segments; default: the `inter_segment_silence` setting. */
  gapMs?: number;
  /** Leave out segments without audio instead of refusing. */
  skipMissing?: boolean;
  /** Read the word boundaries recorded with each segment's audio (for sentence cues). */
  words?: boolean;
}

/** What is needed to stream a narration or time its subtitles. */
export interface NarrationPlan {
  timeline: NarrationTimeline;
  sources: ReadonlyMap<string, PartSource>;
}

/**
 * Plans a project's whole-story narration from the segment WAVs already generated, read
 * through the AudioStorage port: reads each file's header (never its samples), and places
 * the segments in `sequence_index` order with a gap between them. Streaming and subtitles
 * are derived from the plan; the stream opens each WAV through the port when its turn comes.
 */
@Injectable()
export class NarrationService {
  constructor(
    private readonly segments: SegmentsService,
    private readonly storage: AudioStorage,
    private readonly settings: SettingsService,
  ) {}

  /**
   * @throws ProjectNotFoundError
   * @throws NarrationAudioMissingError when segments have no audio (unless `skipMissing`)
   * @throws NarrationSampleRatesDifferError when the WAVs do not share one sample rate
   */
  async plan(projectId: string, options: NarrationOptions = {}): Promise<NarrationPlan> {
    const segments = await this.segments.listForProject(projectId);
    const probed = await mapLimited(segments, PROBE_CONCURRENCY, (segment) => this.probe(segment));
    const missing = segments.filter((_, i) => probed[i] === null).map((segment) => segment.id);
    if (missing.length > 0 && !options.skipMissing) throw new NarrationAudioMissingError(missing);

    const words = options.words
      ? await mapLimited(segments, PROBE_CONCURRENCY, (segment, i) =>
          probed[i] ? this.wordsOf(segment, probed[i]) : Promise.resolve(null),
        )
      : [];

    const parts: TimelinePart[] = [];
    const sources = new Map<string, PartSource>();
    const byRate: Record<string, string[]> = {};
    segments.forEach((segment, i) => {
      const wav = probed[i];
      if (!wav) return;
      (byRate[wav.sampleRate] ??= []).push(segment.id);
      parts.push({
        segmentId: segment.id,
        text: segment.textContent,
        sampleRate: wav.sampleRate,
        sampleCount: wav.dataBytes / 2,
        words: words[i] ?? null,
      });
      sources.set(segment.id, {
        open: () => this.storage.open(segment.projectId, segment.id),
        dataOffset: wav.dataOffset,
      });
    });
    const rates = Object.keys(byRate);
    if (rates.length > 1) throw new NarrationSampleRatesDifferError(byRate);
    const sampleRate = rates.length === 1 ? Number(rates[0]) : EMPTY_NARRATION_SAMPLE_RATE;
    const gapSeconds =
      options.gapMs !== undefined ? options.gapMs / 1000 : await this.defaultGapSeconds();
    return { timeline: buildTimeline(parts, sampleRate, gapSeconds), sources };
  }

  /** The pause between segments when the request names none: the `inter_segment_silence` setting. */
  private async defaultGapSeconds(): Promise<number> {
    return (await this.settings.get()).interSegmentSilence;
  }

  /**
   * The word boundaries recorded with a segment's audio, when they belong to it: synthesized
   * from the segment's current text, into a WAV of exactly this rate and length. Else null
   * (engine without word events, text edited since, or a file of another synthesis).
   */
  private async wordsOf(segment: Segment, wav: WavInfo): Promise<WordBoundary[] | null> {
    const recorded = await this.storage.readWords(segment.projectId, segment.id);
    const matches =
      recorded !== null &&
      recorded.text === segment.textContent &&
      recorded.sampleRate === wav.sampleRate &&
      recorded.sampleCount === wav.dataBytes / 2;
    return matches ? [...recorded.words] : null;
  }

  /** The header of a segment's WAV; null when it has none, or none that can be joined. */
  private async probe(segment: Segment): Promise<WavInfo | null> {
    if (segment.audioFile === null) return null;
    try {
      const file = await this.storage.open(segment.projectId, segment.id);
      if (!file) return null; // recorded but gone from storage: as good as missing
      if (file.size === 0) {
        await file.close();
        return null;
      }
      const head = file.stream({ start: 0, end: Math.min(file.size, HEADER_PROBE_BYTES) - 1 });
      const wav = parseWavHeader(Buffer.concat(await head.toArray()), file.size);
      return wav.channels === 1 && wav.bitsPerSample === 16 ? wav : null;
    } catch {
      return null; // unreadable, or not a WAV this service wrote
    }
  }
}

/** `Promise.all(items.map(work))` with at most `limit` calls running at once. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  });
  await Promise.all(lanes);
  return results;
}

import { open, readFile } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { parseWavHeader, WavInfo } from '../audio/engine/wav';
import { parseSegmentWords, WordBoundary } from '../common/speech/word-boundary';
import { MediaLayout } from '../media/media-layout';
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
 * Plans a project's whole-story narration from the segment WAVs already generated: reads
 * each file's header (never its samples), and places the segments in `sequence_index`
 * order with a gap between them. Streaming and subtitles are derived from the plan.
 */
@Injectable()
export class NarrationService {
  constructor(
    private readonly segments: SegmentsService,
    private readonly media: MediaLayout,
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
        path: this.media.audioPath(segment.projectId, segment.id),
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
    let json: string;
    try {
      json = await readFile(this.media.audioWordsPath(segment.projectId, segment.id), 'utf8');
    } catch {
      return null;
    }
    const recorded = parseSegmentWords(json);
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
    let file;
    try {
      file = await open(this.media.audioPath(segment.projectId, segment.id), 'r');
    } catch {
      return null; // recorded but gone from disk: as good as missing
    }
    try {
      const { size } = await file.stat();
      const head = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
      await file.read(head, 0, head.length, 0);
      const wav = parseWavHeader(head, size);
      return wav.channels === 1 && wav.bitsPerSample === 16 ? wav : null;
    } catch {
      return null; // not a WAV this service wrote
    } finally {
      await file.close();
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

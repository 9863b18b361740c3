import { Format, MultiBar, Options, Presets, SingleBar } from 'cli-progress';

/**
 * Progress of a `narrate` run on stderr. On a terminal: a bar for the whole story (its value
 * is characters spoken, so the ETA weighs long segments as such) and one bar per segment being
 * synthesized, each with its ETA, removed when the segment is done. Elsewhere (a pipe, a CI
 * log): one line per finished segment, since redrawn bars would only garble a log.
 */
export class NarrateProgress {
  private readonly bars: MultiBar | null;
  private readonly story: SingleBar | null = null;
  private readonly segmentBars = new Map<number, SingleBar>();
  private readonly fractions = new Map<number, number>();
  private spokenChars = 0;
  private done = 0;

  constructor(
    private readonly texts: readonly string[],
    private readonly stream: NodeJS.WriteStream,
  ) {
    this.bars = stream.isTTY
      ? new MultiBar(
          {
            stream,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 20,
            formatTime: etaTime,
            format: '{label} {bar} {percentage}% | {info} | ETA {eta_formatted}',
          },
          Presets.shades_classic,
        )
      : null;
    const totalChars = texts.reduce((sum, text) => sum + text.length, 0);
    this.story =
      this.bars?.create(totalChars, 0, { label: 'Story       ', info: this.storyInfo() }) ?? null;
  }

  /** A worker started on segment `i`. */
  begin(i: number): void {
    this.fractions.set(i, 0);
    const bar = this.bars?.create(100, 0, {
      label: `Segment ${`${i + 1}/${this.texts.length}`.padEnd(4)}`,
      info: preview(this.texts[i]),
    });
    if (bar) this.segmentBars.set(i, bar);
  }

  /** The engine reports `fraction` (0..1) of segment `i` spoken. */
  update(i: number, fraction: number): void {
    this.fractions.set(i, fraction);
    this.segmentBars.get(i)?.update(Math.round(fraction * 100));
    this.updateStory();
  }

  /** Segment `i` is synthesized and written: `seconds` of audio. */
  finish(i: number, seconds: number): void {
    this.fractions.delete(i);
    this.spokenChars += this.texts[i].length;
    this.done += 1;
    const bar = this.segmentBars.get(i);
    if (bar) {
      bar.update(100);
      this.bars!.remove(bar);
      this.segmentBars.delete(i);
    }
    this.updateStory();
    if (!this.bars) {
      this.stream.write(
        `segment ${i + 1}/${this.texts.length} done: ${seconds.toFixed(1)} s of audio\n`,
      );
    }
  }

  /** Stops drawing (and shows the cursor again): at the end, and on error or Ctrl-C. */
  stop(): void {
    this.bars?.stop();
  }

  private updateStory(): void {
    let inFlight = 0;
    for (const [i, fraction] of this.fractions) inFlight += fraction * this.texts[i].length;
    this.story?.update(Math.round(this.spokenChars + inFlight), { info: this.storyInfo() });
  }

  private storyInfo(): string {
    return `${this.done}/${this.texts.length} segments`;
  }
}

/**
 * cli-progress's time format, but `--` while the ETA is unknown (nothing spoken yet: the
 * library gives 'INF' or 'NULL' then, which its formatter cuts to garbage).
 */
export function etaTime(t: number, options: Options, roundToMultipleOf: number): string {
  return typeof t === 'number' && Number.isFinite(t) && t >= 0
    ? Format.TimeFormat(t, options, roundToMultipleOf)
    : '--';
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

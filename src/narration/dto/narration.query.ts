import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { CueGranularity } from '../narration-timeline';

/** Longest pause a request may ask for: the `inter_segment_silence` setting's maximum. */
export const MAX_GAP_MS = 5000;

const toBoolean = Transform(({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
);
const toNumber = Transform(({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value,
);

/** Query of the narration downloads. */
export class NarrationQuery {
  @ApiPropertyOptional({
    description:
      'Pause between segments in milliseconds (default: the `inter_segment_silence` setting)',
    minimum: 0,
    maximum: MAX_GAP_MS,
  })
  @IsOptional()
  @toNumber
  @IsInt()
  @Min(0)
  @Max(MAX_GAP_MS)
  gap_ms?: number;

  @ApiPropertyOptional({
    description: 'Leave out segments without audio instead of answering 409',
    default: false,
  })
  @IsOptional()
  @toBoolean
  @IsBoolean()
  skip_missing?: boolean;
}

/** Query of the subtitle downloads. */
export class SubtitlesQuery extends NarrationQuery {
  @ApiPropertyOptional({
    enum: ['segment', 'sentence'],
    default: 'segment',
    description:
      "One cue per segment, or per sentence timed by the engine's word boundaries where it " +
      'reported them (eSpeak does; a segment without boundaries keeps one cue)',
  })
  @IsOptional()
  @IsIn(['segment', 'sentence'])
  by?: CueGranularity;
}

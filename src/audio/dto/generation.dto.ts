import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BooleanField } from '../../common/validation/field.decorators';

/**
 * Body of `POST /api/projects/{id}/generate-all-audio/` (every field optional). A field may be
 * left out, not null: a null would otherwise fall back to the default and start a batch that
 * a DRF backend refuses.
 */
export class GenerateAllAudioDto {
  @ApiPropertyOptional({ default: true, description: 'Leave locked segments alone' })
  @BooleanField({ required: false })
  skip_locked?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Regenerate segments that have audio' })
  @BooleanField({ required: false })
  force_regenerate?: boolean;
}

export class SegmentGenerationAcceptedDto {
  @ApiProperty({ example: 'tts_5b7c…_1a2b3c4d' }) task_id: string;
  @ApiProperty({ format: 'uuid' }) segment_id: string;
  @ApiProperty({ enum: ['PENDING'] }) status: 'PENDING';
  @ApiProperty() message: string;
}

export class ProjectGenerationAcceptedDto {
  @ApiProperty({ nullable: true, type: String, example: 'tts_batch_5b7c…_1a2b3c4d' })
  task_id: string | null;
  @ApiProperty({ format: 'uuid' }) project_id: string;
  @ApiProperty({ enum: ['PENDING', 'COMPLETED'] }) status: 'PENDING' | 'COMPLETED';
  @ApiProperty() total_segments: number;
  @ApiProperty() segments_to_process: number;
  @ApiProperty() skipped_locked: number;
  @ApiProperty() skipped_existing: number;
  @ApiProperty() skipped_empty: number;
  @ApiProperty() message: string;
}

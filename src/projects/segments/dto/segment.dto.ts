import { PaginatedDto } from '../../../common/http/paginated-response';
import { ApiProperty } from '@nestjs/swagger';

/** A segment as the API shows it. */
export class SegmentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'Project id' }) project: string;
  @ApiProperty({ example: 0 }) sequence_index: number;
  @ApiProperty() text_content: string;
  @ApiProperty() image_prompt: string;
  @ApiProperty({ type: String, nullable: true, description: 'absolute URL of the image' })
  image_file: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Absolute URL of the WAV',
    example: 'http://localhost:8000/media/projects/…/audio/….wav',
  })
  audio_file: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds', example: 5.23 })
  audio_duration: number | null;
  @ApiProperty() is_locked: boolean;
}

export const SegmentPageDto = PaginatedDto(SegmentDto, 'SegmentPageDto');

export class RemoveAudioResultDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, example: null }) audio_file: null;
  @ApiProperty({ type: Number, nullable: true, example: null }) audio_duration: null;
  @ApiProperty({ example: 'Audio removed successfully' }) message: string;
}

export class SegmentPositionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() sequence_index: number;
}

export class ReorderResultDto {
  @ApiProperty({ example: 'Segments reordered successfully' }) message: string;
  @ApiProperty({ type: [SegmentPositionDto] }) segments: SegmentPositionDto[];
}

export class ImageResultDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, description: 'absolute URL of the image' })
  image_file: string | null;
  @ApiProperty({ example: 'Image uploaded successfully' }) message: string;
}

import { PaginatedDto } from '../../common/http/paginated-response';
import { ApiProperty } from '@nestjs/swagger';
import { SegmentDto } from '../segments/dto/segment.dto';

class ProjectFieldsDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ example: 'DRAFT' }) status: string;
  @ApiProperty({ example: 1920 }) resolution_width: number;
  @ApiProperty({ example: 1080 }) resolution_height: number;
  @ApiProperty({ example: 30 }) framerate: number;
}

/** A project in a list. */
export class ProjectDto extends ProjectFieldsDto {
  @ApiProperty() segment_count: number;
}

/** A project with its segments in order. */
export class ProjectDetailDto extends ProjectFieldsDto {
  @ApiProperty({ type: String, nullable: true, example: null }) output_path: null;
  @ApiProperty({ type: [SegmentDto] }) segments: SegmentDto[];
}

export const ProjectPageDto = PaginatedDto(ProjectDto, 'ProjectPageDto');

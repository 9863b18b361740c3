import { PaginatedDto } from '../../common/http/paginated-response';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TASK_STATUSES, type TaskStatus } from '../task.types';

export class TaskProgressDto {
  @ApiProperty({ example: 4 }) current: number;
  @ApiProperty({ example: 10 }) total: number;
  @ApiProperty({ example: 40, minimum: 0, maximum: 100, description: 'floor(100·current/total)' })
  percentage: number;
  @ApiPropertyOptional({ description: 'Segment being synthesized right now' })
  current_segment_id?: string;
}

export class CompletedSegmentDto {
  @ApiProperty({ format: 'uuid' }) segment_id: string;
  @ApiProperty({ example: '/media/projects/…/audio/….wav' }) audio_url: string;
  @ApiProperty({ example: 5.23, description: 'Seconds' }) duration: number;
}

export class TaskErrorDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'null for a failure of the whole task',
  })
  segment_id: string | null;
  @ApiProperty({ example: 'Synthesis failed' }) error: string;
}

export class TaskStatusDto {
  @ApiProperty({ example: 'tts_batch_5b7c…_1a2b3c4d' }) task_id: string;
  @ApiProperty({ enum: TASK_STATUSES }) status: TaskStatus;
  @ApiProperty({ type: TaskProgressDto }) progress: TaskProgressDto;
  @ApiProperty({ type: [CompletedSegmentDto] }) completed_segments: CompletedSegmentDto[];
  @ApiProperty({ type: [TaskErrorDto] }) errors: TaskErrorDto[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
}

/** An item of `GET /api/tasks/`: the status snapshot without its segment lists, plus labels. */
export class TaskSummaryDto {
  @ApiProperty() task_id: string;
  @ApiProperty({ enum: TASK_STATUSES }) status: TaskStatus;
  @ApiProperty({ type: TaskProgressDto }) progress: TaskProgressDto;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
  @ApiPropertyOptional({ example: 'tts_batch', description: 'what the task does' }) kind?: string;
  @ApiPropertyOptional({ format: 'uuid' }) project_id?: string;
}

export const TaskPageDto = PaginatedDto(TaskSummaryDto, 'TaskPageDto');

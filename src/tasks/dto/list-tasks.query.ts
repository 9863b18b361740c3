import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { TASK_STATUSES } from '../task.types';
import type { TaskStatus } from '../task.types';

/** Query of `GET /api/tasks/`. */
export class ListTasksQuery {
  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn([...TASK_STATUSES])
  status?: TaskStatus;

  @ApiPropertyOptional({ description: 'Only the tasks of this project' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  project?: string;

  @ApiPropertyOptional({ description: 'Page number (50 a page), or `last`' })
  @IsOptional()
  @IsString()
  page?: string;
}

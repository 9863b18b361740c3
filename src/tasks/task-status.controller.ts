import { Controller, Get, Param, Res, UseFilters } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { TaskStatusDto } from './dto/task-status.dto';
import { TaskManagerService } from './task-manager.service';
import { TaskNotFoundFilter } from './task-not-found.filter';

@ApiTags('tasks')
@Controller('tasks')
@UseFilters(TaskNotFoundFilter)
export class TaskStatusController {
  constructor(private readonly tasks: TaskManagerService) {}

  @Get(':task_id/status')
  @ApiOperation({ summary: 'Status of a background task (polled by the UI every 2 s)' })
  @ApiOkResponse({ type: TaskStatusDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Task not found"}`' })
  status(@Param('task_id') taskId: string, @Res() reply: FastifyReply): void {
    // The snapshot is serialized once per version by the manager; send those bytes as they are.
    const view = this.tasks.getView(taskId);
    reply.header('content-type', 'application/json; charset=utf-8').send(view.json);
  }
}

import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  MessageEvent,
  Param,
  Post,
  Query,
  Req,
  Res,
  Sse,
  UseFilters,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { ErrorBodyDto } from '../common/http/error-body.dto';
import { Paginated, paginatedResponse } from '../common/http/paginated-response';
import { resolvePage } from '../common/pagination';
import { ListTasksQuery } from './dto/list-tasks.query';
import { TaskPageDto, TaskStatusDto, TaskSummaryDto } from './dto/task-status.dto';
import { TaskManagerService, type TaskView } from './task-manager.service';
import { TaskNotFoundFilter } from './task-not-found.filter';
import { StatusPollRoute } from '../common/http/route-behaviour';

/** Seconds a poller should wait between polls of an unfinished task (StoryFlow polls every 2 s). */
const POLL_AFTER_SECONDS = '2';

/** Milliseconds between SSE heartbeat comments (15 s; tests shorten it). */
export const SSE_HEARTBEAT_MS = Symbol('SSE_HEARTBEAT_MS');

@ApiTags('tasks')
@Controller('tasks')
@UseFilters(TaskNotFoundFilter)
export class TaskStatusController {
  constructor(
    private readonly tasks: TaskManagerService,
    @Inject(SSE_HEARTBEAT_MS) private readonly heartbeatMs: number,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Tasks still held in memory, newest first, 50 a page' })
  @ApiQuery({ type: ListTasksQuery })
  @ApiOkResponse({ type: TaskPageDto })
  async list(
    @Query() query: ListTasksQuery,
    @Req() request: FastifyRequest,
  ): Promise<Paginated<TaskSummaryDto>> {
    const matching = await this.tasks.list({
      status: query.status,
      labels: query.project === undefined ? undefined : { project_id: query.project },
    });
    const window = resolvePage(query.page, matching.length);
    const items = matching.slice(window.offset, window.offset + window.size);
    const results = items.map(({ labels, ...summary }) => ({ ...labels, ...summary }));
    return paginatedResponse(request, { ...window, count: matching.length, items }, results);
  }

  @Get(':task_id/status')
  @StatusPollRoute()
  @ApiOperation({ summary: 'Status of a background task (polled by the UI every 2 s)' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'ETag of a previous answer' })
  @ApiOkResponse({ type: TaskStatusDto })
  @ApiResponse({ status: 304, description: 'Unchanged since the ETag given in If-None-Match' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: '`{"error":"Task not found"}`' })
  status(
    @Param('task_id') taskId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void | Promise<void> {
    // A task this process holds is answered without a promise (docs/PERFORMANCE.md, the
    // poll path); a shared store's is awaited.
    const view = this.tasks.viewNow(taskId);
    if (view) return this.answerPoll(view, ifNoneMatch, reply);
    return this.tasks.getView(taskId).then((read) => this.answerPoll(read, ifNoneMatch, reply));
  }

  @Sse(':task_id/events')
  @ApiOperation({
    summary: 'Live status as server-sent events',
    description:
      'A `status` event with the snapshot at once, one per change, and the stream ends after ' +
      'the terminal snapshot. A comment line every 15 s keeps proxies from closing it.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ type: TaskStatusDto, description: 'each `status` event carries a snapshot' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  // async: an unknown id rejects before any header is out, so the filters answer 404 JSON.
  async events(@Param('task_id') taskId: string): Promise<Observable<MessageEvent>> {
    const snapshots = (await this.tasks.watch(taskId)).pipe(
      map((snapshot): MessageEvent => ({ type: 'status', data: snapshot })),
    );
    return new Observable<MessageEvent>((subscriber) => {
      const heartbeat = setInterval(
        () => subscriber.next({ comment: 'heartbeat' }),
        this.heartbeatMs,
      );
      const subscription = snapshots.subscribe(subscriber);
      return () => {
        clearInterval(heartbeat);
        subscription.unsubscribe();
      };
    });
  }

  @Post(':task_id/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a task: it stops before its next segment and ends FAILED' })
  @ApiAcceptedResponse({ type: TaskStatusDto })
  @ApiConflictResponse({ type: ErrorBodyDto, description: 'already COMPLETED or FAILED' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async cancel(@Param('task_id') taskId: string): Promise<TaskStatusDto> {
    return (await this.tasks.cancel(taskId)) as TaskStatusDto;
  }

  /**
   * The snapshot is serialized once per version (view cache): those bytes are sent as they
   * are, or a 304 when the poller has them already.
   */
  private answerPoll(view: TaskView, ifNoneMatch: string | undefined, reply: FastifyReply): void {
    reply.header('etag', view.etag).header('cache-control', 'no-cache');
    if (!this.tasks.isTerminal(view.status)) reply.header('retry-after', POLL_AFTER_SECONDS);
    if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, view.etag)) {
      reply.code(304).send();
      return;
    }
    reply.header('content-type', 'application/json; charset=utf-8').send(view.json);
  }
}

/** RFC 9110 If-None-Match: a list of entity tags, or `*`; weak comparison. */
function etagMatches(header: string, etag: string): boolean {
  if (header === etag) return true; // what a poller sends: the ETag it was given, as it was
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

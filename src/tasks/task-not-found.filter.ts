import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendError } from '../common/http/error-reply';
import { TaskNotFoundError } from './task-not-found.error';

/**
 * The one mapping of a missing task to HTTP: 404 with exactly `{"error":"Task not found"}`,
 * whatever the id. Used by the task routes (`@UseFilters`) and by the router's answer to a task
 * URL whose id does not even decode (`answerFrameworkError`).
 */
export function replyTaskNotFound(reply: FastifyReply): void {
  sendError(reply, 404, { error: 'Task not found' });
}

@Catch(TaskNotFoundError)
export class TaskNotFoundFilter implements ExceptionFilter {
  catch(_error: TaskNotFoundError, host: ArgumentsHost): void {
    replyTaskNotFound(host.switchToHttp().getResponse<FastifyReply>());
  }
}

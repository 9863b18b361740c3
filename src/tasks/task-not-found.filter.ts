import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { sendError } from '../common/http/error-reply';
import { TaskNotFoundError } from './task-not-found.error';

/** A missing task is a 404 with exactly `{"error":"Task not found"}`, whatever the id. */
@Catch(TaskNotFoundError)
export class TaskNotFoundFilter implements ExceptionFilter {
  catch(_error: TaskNotFoundError, host: ArgumentsHost): void {
    sendError(host.switchToHttp().getResponse<FastifyReply>(), 404, { error: 'Task not found' });
  }
}

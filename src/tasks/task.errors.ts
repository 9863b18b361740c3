import { DomainError } from '../common/errors/domain.error';

export { TaskNotFoundError } from './task-not-found.error';

/** The task already reached COMPLETED or FAILED. */
export class TaskAlreadyFinishedError extends DomainError {
  constructor(status: string) {
    super('conflict', `Task is already ${status}`);
  }
}

/** Too many unfinished tasks: the client should come back later. */
export class TooManyActiveTasksError extends DomainError {
  constructor(limit: number) {
    super('unavailable', `Too many active tasks (limit ${limit}); try again later`, {
      retryAfterSeconds: 5,
    });
  }
}

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

/** A task with this id exists already (ids are chosen by their creator). */
export class TaskExistsError extends Error {
  constructor(readonly taskId: string) {
    super(`Task ${taskId} already exists`);
  }
}

/** Another unfinished task holds an exclusive claim (the duplicate guard). */
export class TaskClaimConflictError extends DomainError {
  constructor(
    readonly claim: string,
    readonly holder: string,
  ) {
    super('conflict', `${claim} is held by task ${holder}`, { details: { task_id: holder } });
  }
}

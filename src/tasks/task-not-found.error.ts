import { DomainError } from '../common/errors/domain.error';

/** Raised when a task id is unknown (never created, or evicted). */
export class TaskNotFoundError extends DomainError {
  constructor(readonly taskId: string) {
    super('not_found', 'Task not found');
  }
}

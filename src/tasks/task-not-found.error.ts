/**
 * Raised when a task id is unknown (never created, or evicted). Deliberately not a
 * DomainError: `TaskNotFoundFilter` is the one place that turns it into an HTTP answer.
 */
export class TaskNotFoundError extends Error {
  constructor(readonly taskId: string) {
    super('Task not found');
    this.name = 'TaskNotFoundError';
  }
}

import { DomainError } from '../common/errors/domain.error';

/** The project does not exist (or the id is not a UUID). */
export class ProjectNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'Project not found');
  }
}

/** An import that cannot be turned into segments; `details` is keyed by the faulty field. */
export class StoryImportError extends DomainError {
  constructor(message: string, field: string, problems: string[]) {
    super('invalid', message, { details: { [field]: problems } });
  }
}

import { DomainError } from '../common/errors/domain.error';

/** The project does not exist (or the id is not a UUID). */
export class ProjectNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'Project not found');
  }
}

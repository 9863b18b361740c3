import { DomainError } from '../common/errors/domain.error';

/** An import that cannot be turned into segments; `details` is keyed by the faulty field. */
export class StoryImportError extends DomainError {
  constructor(message: string, field: string, problems: string[]) {
    super('invalid', message, { details: { [field]: problems } });
  }
}

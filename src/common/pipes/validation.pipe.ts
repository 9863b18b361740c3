import { ValidationError, ValidationPipe } from '@nestjs/common';
import { RequestValidationError } from '../errors/domain.error';

/**
 * class-validator on every body, query and param DTO: unknown fields are stripped, values
 * are converted to the DTO's types, and failures become a RequestValidationError whose
 * `details` are keyed by field name (dotted for nested fields), as DRF does.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationError(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) out[field] = Object.values(error.constraints);
    if (error.children?.length) Object.assign(out, flatten(error.children, field));
  }
  return out;
}

import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { RequestValidationError } from '../errors/domain.error';

/**
 * Deepest nesting of objects and arrays accepted in a body or query; this API's deepest
 * body (an import's segment) has 3 levels. class-transformer walks a value recursively and
 * overflows the stack on a few thousand levels, which a 1 MB body easily holds.
 */
export const MAX_INPUT_DEPTH = 32;

/**
 * class-validator on every body, query and param DTO: unknown fields are stripped, values
 * are converted to the DTO's types, and failures become a RequestValidationError whose
 * `details` are keyed by field name (dotted for nested fields), as DRF does.
 */
export function createValidationPipe(): ValidationPipe {
  return new DepthLimitedValidationPipe({
    transform: true,
    whitelist: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationError(flatten(errors)),
  });
}

/** Nest's ValidationPipe, refusing values nested deeper than MAX_INPUT_DEPTH before it walks them. */
class DepthLimitedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (nestedDeeperThan(value, MAX_INPUT_DEPTH)) {
      throw new RequestValidationError({
        [metadata.data ?? metadata.type]: [
          `Must not be nested more than ${MAX_INPUT_DEPTH} levels deep.`,
        ],
      });
    }
    return super.transform(value, metadata);
  }
}

/** Recursion stops at `limit`, so the check itself cannot overflow the stack. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  return Object.values(value).some((child) => nestedDeeperThan(child, limit - 1));
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

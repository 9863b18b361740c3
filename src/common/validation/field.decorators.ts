import { isUuid } from './uuid';
import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { registerDecorator } from 'class-validator';

/**
 * Field validators that behave like DRF serializer fields: one decorator per field, one
 * message per failure ("This field is required.", "This field may not be blank."...), so
 * `details` read like a DRF backend's. Missing fields are errors unless `required: false`;
 * null is never accepted.
 */

interface FieldOptions {
  /** Default true: a missing field is an error. */
  required?: boolean;
  /** Default false: null is an error ("This field may not be null."). */
  allowNull?: boolean;
}

/** Returns the failure message for a present (not undefined) value, or null if it is valid. */
type Check = (value: unknown) => string | null;

function field(name: string, options: FieldOptions, check: Check): PropertyDecorator {
  const required = options.required ?? true;
  const problem = (value: unknown): string | null => {
    if (value === undefined) return required ? 'This field is required.' : null;
    if (value === null) return options.allowNull ? null : 'This field may not be null.';
    return check(value);
  };
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args) => problem(args?.value) ?? 'Invalid value.',
      },
    });
}

const trim = Transform(({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value,
);

/**
 * A string, trimmed (DRF's `trim_whitespace`); blank allowed only with `allowBlank`; never a
 * NUL character (U+0000), as DRF refuses it and PostgreSQL cannot store it.
 */
export function StringField(
  options: FieldOptions & { allowBlank?: boolean; maxLength?: number } = {},
): PropertyDecorator {
  return applyDecorators(
    trim,
    field('stringField', options, (value) => {
      if (typeof value !== 'string') return 'Not a valid string.';
      // DRF's ProhibitNullCharactersValidator; PostgreSQL's text cannot hold U+0000 either.
      if (value.includes('\u0000')) return 'Null characters are not allowed.';
      if (value === '' && !options.allowBlank) return 'This field may not be blank.';
      if (options.maxLength !== undefined && [...value].length > options.maxLength) {
        return `Ensure this field has no more than ${options.maxLength} characters.`;
      }
      return null;
    }),
  );
}

/** A JSON boolean. */
export function BooleanField(options: FieldOptions = {}): PropertyDecorator {
  return field('booleanField', options, (value) =>
    typeof value === 'boolean' ? null : 'Must be a valid boolean.',
  );
}

/** A UUID string, any version. */
export function UuidField(options: FieldOptions = {}): PropertyDecorator {
  return field('uuidField', options, (value) => (isUuid(value) ? null : 'Must be a valid UUID.'));
}

/**
 * A voice id as the running engine names its voices (`af_bella`, `en_US-lessac-medium`):
 * letters, digits, `_`, `-` and `.`, at most 100 characters. Whether the engine has that
 * voice depends on the model files, so the service checks it (`EngineVoices.accepts`), with
 * the same message as a bad choice.
 */
export function VoiceIdField(options: FieldOptions = {}): PropertyDecorator {
  return field('voiceIdField', options, (value) =>
    typeof value === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(value)
      ? null
      : `"${String(value)}" is not a valid choice.`,
  );
}

/** One of a fixed set of strings. */
export function ChoiceField(
  choices: readonly string[] | (() => readonly string[]),
  options: FieldOptions = {},
): PropertyDecorator {
  const allowed = typeof choices === 'function' ? choices : () => choices;
  return field('choiceField', options, (value) =>
    typeof value === 'string' && allowed().includes(value)
      ? null
      : `"${String(value)}" is not a valid choice.`,
  );
}

/** A finite JSON number within optional bounds. */
export function NumberField(
  options: FieldOptions & { min?: number; max?: number } = {},
): PropertyDecorator {
  return field('numberField', options, (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'A valid number is required.';
    if (options.min !== undefined && value < options.min) {
      return `Ensure this value is greater than or equal to ${options.min}.`;
    }
    if (options.max !== undefined && value > options.max) {
      return `Ensure this value is less than or equal to ${options.max}.`;
    }
    return null;
  });
}

/** A JSON integer (a number with no fraction) within optional bounds or among `choices`. */
export function IntegerField(
  options: FieldOptions & { min?: number; max?: number; choices?: readonly number[] } = {},
): PropertyDecorator {
  return field('integerField', options, (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value))
      return 'A valid integer is required.';
    if (options.choices && !options.choices.includes(value)) {
      return `"${value}" is not a valid choice.`;
    }
    if (options.min !== undefined && value < options.min) {
      return `Ensure this value is greater than or equal to ${options.min}.`;
    }
    if (options.max !== undefined && value > options.max) {
      return `Ensure this value is less than or equal to ${options.max}.`;
    }
    return null;
  });
}

/** A colour as `#RRGGBB`. */
export function HexColorField(options: FieldOptions = {}): PropertyDecorator {
  return field('hexColorField', options, (value) =>
    typeof value === 'string' && /^#[0-9A-Fa-f]{6}$/.test(value)
      ? null
      : 'Enter a valid color in the format #RRGGBB.',
  );
}

/** A JSON array, optionally non-empty, whose items are strings or objects when `items` says so. */
export function ListField(
  options: FieldOptions & { allowEmpty?: boolean; items?: 'string' | 'object' } = {},
): PropertyDecorator {
  return field('listField', options, (value) => {
    if (!Array.isArray(value)) return 'Expected a list of items.';
    if (value.length === 0 && options.allowEmpty === false) return 'This list may not be empty.';
    if (options.items === 'string' && value.some((item) => typeof item !== 'string')) {
      return 'Every item must be a string.';
    }
    // A nested DTO's @ValidateNested accepts an array in place of an object (and checks
    // nothing in it), so lists of objects must say so here.
    if (options.items === 'object' && value.some((item) => !isPlainObject(item))) {
      return 'Every item must be an object.';
    }
    return null;
  });
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  Min,
  validateSync,
} from 'class-validator';

const integer = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** Environment variables the service reads, with their defaults. */
class EnvironmentVariables {
  @Transform(integer) @IsInt() @Min(0) @Max(65535) PORT = 8000;
  @IsString() @IsNotEmpty() HOST = '127.0.0.1';
  @IsString() @IsNotEmpty() DATA_DIR = './data';
  @IsString() CORS_ORIGINS = 'http://localhost:3000';
  @IsOptional() @Transform(integer) @IsInt() @Min(1) @Max(64) TTS_WORKERS?: number;
  @Transform(integer) @IsInt() @Min(1) MAX_ACTIVE_TASKS = 1000;
  @Transform(integer) @IsInt() @Min(0) TASK_RETENTION_SECONDS = 86_400;
  @Transform(integer) @IsInt() @Min(0) TASK_MAX_RETAINED = 10_000;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
}

/** Validated, typed configuration of the whole service; `process.env` is read only here. */
export interface AppConfig {
  port: number;
  host: string;
  /** Absolute path of the data folder (database file and media). */
  dataDir: string;
  corsOrigins: string[];
  ttsWorkers: number;
  logLevel: string;
  /** Unfinished tasks accepted at once; beyond that generation answers 503. */
  maxActiveTasks: number;
  /** How long a finished task stays queryable. */
  taskRetentionSeconds: number;
  /** How many finished tasks are kept at most (oldest evicted first). */
  taskMaxRetained: number;
}

/** Validates raw environment variables; throws one readable error listing every bad value. */
export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  const vars = plainToInstance(EnvironmentVariables, stripEmpty(env));
  const errors = validateSync(vars);
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `  ${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return {
    port: vars.PORT,
    host: vars.HOST,
    dataDir: resolve(vars.DATA_DIR),
    corsOrigins: vars.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    ttsWorkers: vars.TTS_WORKERS ?? availableParallelism(),
    logLevel: vars.LOG_LEVEL,
    maxActiveTasks: vars.MAX_ACTIVE_TASKS,
    taskRetentionSeconds: vars.TASK_RETENTION_SECONDS,
    taskMaxRetained: vars.TASK_MAX_RETAINED,
  };
}

const KNOWN_VARIABLES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'CORS_ORIGINS',
  'TTS_WORKERS',
  'LOG_LEVEL',
  'MAX_ACTIVE_TASKS',
  'TASK_RETENTION_SECONDS',
  'TASK_MAX_RETAINED',
];

/** Keeps only the variables we know; unset and empty both mean "use the default". */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of KNOWN_VARIABLES) {
    const value = env[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

export const appConfig = registerAs('app', (): AppConfig => loadAppConfig(process.env));

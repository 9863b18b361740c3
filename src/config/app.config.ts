import { accessSync, constants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
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
  ValidateBy,
} from 'class-validator';
import { DATABASE_FILE_NAME } from '../database/database.constants';

const integer = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** Names proxy-addr understands besides addresses and CIDR ranges. */
const PROXY_ADDRESS_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One TRUST_PROXY entry: an IP, a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a name above. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_ADDRESS_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** TRUST_PROXY: `false`, `true`, a hop count, or a comma-separated list of proxy addresses. */
function IsTrustProxy(): PropertyDecorator {
  return ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        (/^(false|true|\d{1,2})$/i.test(value.trim()) ||
          value.split(',').every((entry) => isProxyAddress(entry.trim().toLowerCase()))),
      defaultMessage: () =>
        'must be false, true, a hop count, or a comma-separated list of IP addresses/CIDR ranges',
    },
  });
}

/**
 * A URL variable that Node can parse and whose scheme is one of `protocols` (DATABASE_URL:
 * `postgres:`/`postgresql:`, REDIS_URL: `redis:`/`rediss:`); `unsetMeans` completes the message.
 */
function IsUrlOf(protocols: readonly string[], unsetMeans: string): PropertyDecorator {
  const schemes = protocols.map((protocol) => `${protocol}//`).join(' or ');
  return ValidateBy({
    name: 'isUrlOf',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && urlOf(value, protocols) !== null,
      defaultMessage: () => `must be a ${schemes} URL (${unsetMeans})`,
    },
  });
}

const POSTGRES_PROTOCOLS = ['postgres:', 'postgresql:'];
const REDIS_PROTOCOLS = ['redis:', 'rediss:'];

function urlOf(value: string, protocols: readonly string[]): URL | null {
  try {
    const url = new URL(value.trim());
    return protocols.includes(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

/** TTS_ENGINE: `auto` picks Kokoro, then Piper, then eSpeak, by the model files present. */
export const TTS_ENGINES = ['auto', 'espeak', 'kokoro', 'piper'] as const;
export type TtsEngineChoice = (typeof TTS_ENGINES)[number];

/** ROLE: what this process does when REDIS_URL is set (see docs/SCALING.md). */
export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Environment variables the service reads, with their defaults: the one list of their names
 * (a variable without a default is initialised to `undefined` so that it is listed too).
 */
class EnvironmentVariables {
  @Transform(integer) @IsInt() @Min(0) @Max(65535) PORT = 8000;
  @IsString() @IsNotEmpty() HOST = '127.0.0.1';
  @IsString() @IsNotEmpty() DATA_DIR = './data';
  @IsString() CORS_ORIGINS = 'http://localhost:3000';
  @IsOptional() @Transform(integer) @IsInt() @Min(1) @Max(64) TTS_WORKERS?: number = undefined;
  @Transform(integer) @IsInt() @Min(1) MAX_ACTIVE_TASKS = 1000;
  @Transform(integer) @IsInt() @Min(0) TASK_RETENTION_SECONDS = 86_400;
  @Transform(integer) @IsInt() @Min(0) TASK_MAX_RETAINED = 10_000;
  @Transform(integer) @IsInt() @Min(0) @Max(600) SHUTDOWN_GRACE_SECONDS = 10;
  @IsOptional() @IsIn(LOG_LEVELS) LOG_LEVEL?: string = undefined;
  /** Only read to keep test runs quiet: LOG_LEVEL defaults to `silent` when it is `test`. */
  @IsOptional() @IsString() NODE_ENV?: string = undefined;
  @Transform(integer) @IsInt() @Min(1) @Max(100_000) RATE_LIMIT_GENERATION_PER_MINUTE = 60;
  @IsTrustProxy() TRUST_PROXY = 'false';
  @Transform(integer) @IsInt() @Min(0) HEALTH_MIN_FREE_DISK_MB = 100;
  /** Absent: the SQLite file under DATA_DIR. `postgres://` or `postgresql://`: that server. */
  @IsOptional()
  @IsUrlOf(POSTGRES_PROTOCOLS, 'leave DATABASE_URL unset for the SQLite file under DATA_DIR')
  DATABASE_URL?: string = undefined;
  @Transform(integer) @IsInt() @Min(1) @Max(1000) DATABASE_POOL_MAX = 10;
  /** Absent: tasks, events and the generation queue stay in this process. */
  @IsOptional()
  @IsUrlOf(REDIS_PROTOCOLS, 'leave REDIS_URL unset to keep everything in process')
  REDIS_URL?: string = undefined;
  /** Prefix of every Redis key (tasks, events, BullMQ), so that deployments can share a Redis. */
  @IsString() @IsNotEmpty() REDIS_PREFIX = 'storyflow';
  /** With REDIS_URL: BullMQ's lock on a running segment job (a dead worker's jobs move on after 2). */
  @Transform(integer) @IsInt() @Min(1) @Max(600) JOB_LOCK_SECONDS = 15;
  @IsIn(ROLES) ROLE: Role = 'all';

  @IsIn(TTS_ENGINES) TTS_ENGINE: TtsEngineChoice = 'auto';
  @IsOptional() @IsString() KOKORO_MODEL_DIR?: string = undefined;
  @IsOptional() @IsString() PIPER_VOICES_DIR?: string = undefined;
  /** Set: `/v1/*` (the OpenAI-compatible routes) require `Authorization: Bearer <this key>`. */
  @IsOptional() @IsString() OPENAI_API_KEY_REQUIRED?: string = undefined;
  @Transform(integer) @IsInt() @Min(1) @Max(10_000) SPEECH_MAX_STREAMS = 16;
}

/** Validated, typed configuration of the whole service; `process.env` is read only here. */
export interface AppConfig {
  port: number;
  host: string;
  /** Absolute path of the data folder (database file and media). */
  dataDir: string;
  corsOrigins: string[];
  ttsWorkers: number;
  /** Which speech engine runs (TTS_ENGINE); `auto` decides from the files present. */
  ttsEngine: TtsEngineChoice;
  /** Absolute folder of the Kokoro model and voices file (default `<dataDir>/models`). */
  kokoroModelDir: string;
  /** Absolute folder of Piper voices (`<name>.onnx` + `<name>.onnx.json`), or null when unset. */
  piperVoicesDir: string | null;
  /** pino level of the JSON logs (`silent` by default under NODE_ENV=test). */
  logLevel: string;
  /** Generation requests (both generation endpoints together) one client may make a minute. */
  generationRateLimitPerMinute: number;
  /**
   * Fastify's `trustProxy`: whether, or which, proxies' `X-Forwarded-*` headers are believed
   * (client IP for rate limiting, host and protocol of absolute URLs).
   */
  trustProxy: boolean | number | string[];
  /** The health check fails when less than this many bytes are free under `dataDir`. */
  minFreeDiskBytes: number;
  /** Unfinished tasks accepted at once; beyond that generation answers 503. */
  maxActiveTasks: number;
  /** How long a finished task stays queryable. */
  taskRetentionSeconds: number;
  /** How many finished tasks are kept at most (oldest evicted first). */
  taskMaxRetained: number;
  /** Seconds in-flight segments may take to finish on SIGTERM. */
  shutdownGraceSeconds: number;
  /** Where projects, segments, settings, logos and task records are stored. */
  database: DatabaseConfig;
  /** The key `/v1/*` requires as a bearer token (OPENAI_API_KEY_REQUIRED), or null: any key. */
  openaiApiKey: string | null;
  /** `/v1/audio/speech` answers being streamed at once; beyond that a 503 with Retry-After. */
  speechMaxStreams: number;
  /** The shared Redis (REDIS_URL) of a scaled-out deployment, or null: all in process. */
  redis: RedisConfig | null;
  /** `api`: HTTP API, no engine; `worker`: engine and segment jobs, health and metrics only. */
  role: Role;
}

/** Redis of a scaled-out deployment: task state, events and the BullMQ generation queue. */
export interface RedisConfig {
  url: string;
  /** Prefix of every key this deployment writes (BullMQ's included). */
  prefix: string;
  /**
   * BullMQ's lock on a running segment job, renewed at half of it: a worker that stops
   * renewing it (killed) has its jobs handed to another worker within two of these periods.
   */
  jobLockSeconds: number;
}

/**
 * The database: the SQLite file `<dataDir>/storyflow.db` (DATABASE_URL unset), or the
 * PostgreSQL server of DATABASE_URL through a pool of at most `poolMax` connections.
 */
export type DatabaseConfig =
  { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; poolMax: number };

/** Variables whose value may hold a password: an error names them without their value. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'OPENAI_API_KEY_REQUIRED', 'REDIS_URL']);

/** Validates raw environment variables; throws one readable error listing every bad value. */
export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  const vars = plainToInstance(EnvironmentVariables, stripEmpty(env));
  const errors = validateSync(vars);
  if (errors.length > 0) {
    const lines = errors.map(
      (e) =>
        `  ${e.property}=${SECRET_VARIABLES.has(e.property) ? '(not shown)' : JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const scaleOut = scaleOutErrors(vars);
  if (scaleOut.length > 0) {
    throw new Error(`Invalid configuration:\n${scaleOut.map((line) => `  ${line}`).join('\n')}`);
  }
  const dataDir = resolve(vars.DATA_DIR);
  return {
    port: vars.PORT,
    host: vars.HOST,
    dataDir,
    corsOrigins: vars.CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    ttsWorkers: vars.TTS_WORKERS ?? availableParallelism(),
    ttsEngine: vars.TTS_ENGINE,
    kokoroModelDir: vars.KOKORO_MODEL_DIR
      ? resolve(vars.KOKORO_MODEL_DIR)
      : join(dataDir, 'models'),
    piperVoicesDir: vars.PIPER_VOICES_DIR ? resolve(vars.PIPER_VOICES_DIR) : null,
    logLevel: vars.LOG_LEVEL ?? (vars.NODE_ENV === 'test' ? 'silent' : 'info'),
    generationRateLimitPerMinute: vars.RATE_LIMIT_GENERATION_PER_MINUTE,
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    minFreeDiskBytes: vars.HEALTH_MIN_FREE_DISK_MB * 1024 * 1024,
    maxActiveTasks: vars.MAX_ACTIVE_TASKS,
    taskRetentionSeconds: vars.TASK_RETENTION_SECONDS,
    taskMaxRetained: vars.TASK_MAX_RETAINED,
    shutdownGraceSeconds: vars.SHUTDOWN_GRACE_SECONDS,
    database: vars.DATABASE_URL
      ? { dialect: 'postgres', url: vars.DATABASE_URL.trim(), poolMax: vars.DATABASE_POOL_MAX }
      : { dialect: 'sqlite', file: join(resolve(vars.DATA_DIR), DATABASE_FILE_NAME) },
    openaiApiKey: vars.OPENAI_API_KEY_REQUIRED ?? null,
    speechMaxStreams: vars.SPEECH_MAX_STREAMS,
    redis: vars.REDIS_URL
      ? {
          url: vars.REDIS_URL.trim(),
          prefix: vars.REDIS_PREFIX,
          jobLockSeconds: vars.JOB_LOCK_SECONDS,
        }
      : null,
    role: vars.ROLE,
  };
}

/**
 * The rules of a scaled-out deployment: every node shares one PostgreSQL (the SQLite file is
 * one machine's), and ROLE=api|worker only means something with a shared Redis.
 */
function scaleOutErrors(vars: EnvironmentVariables): string[] {
  const errors: string[] = [];
  if (vars.REDIS_URL && !vars.DATABASE_URL) {
    errors.push(
      'REDIS_URL is set but DATABASE_URL is not: nodes sharing a Redis must share a PostgreSQL ' +
        'database too (DATABASE_URL=postgres://...)',
    );
  }
  if (!vars.REDIS_URL && vars.ROLE !== 'all') {
    errors.push(
      `ROLE=${vars.ROLE} needs REDIS_URL: API and worker nodes meet through a shared Redis ` +
        '(leave ROLE unset, or `all`, for a single process)',
    );
  }
  return errors;
}

/**
 * With REDIS_URL, DATA_DIR is the media folder every node mounts: it must already exist and
 * be writable here (a node must never start on an empty local folder of its own). Throws a
 * readable error otherwise; nothing to check for a single process, which creates its folder.
 */
export function checkSharedDataDir(config: Pick<AppConfig, 'redis' | 'dataDir'>): void {
  if (!config.redis) return;
  try {
    if (!statSync(config.dataDir).isDirectory()) throw new Error('not a directory');
    accessSync(config.dataDir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new Error(
      `DATA_DIR=${config.dataDir} is not usable (${(error as Error).message}): with REDIS_URL it ` +
        'must be the shared media folder every node mounts, existing and writable',
    );
  }
}

/** The names of every variable the service reads, taken from the class above. */
const KNOWN_VARIABLES = Object.keys(new EnvironmentVariables());

/** TRUST_PROXY (already validated) → Fastify's `trustProxy` option. */
function parseTrustProxy(raw: string): boolean | number | string[] {
  const value = raw.trim().toLowerCase();
  if (value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
}

/** Keeps only the variables we know; unset and empty both mean "use the default". */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of KNOWN_VARIABLES) {
    const value = env[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Where the configuration lives in ConfigService. */
const NAMESPACE = 'app';

/**
 * The configuration's injection token and type: inject it with
 * `@Inject(appConfig.KEY) config: ConfigType<typeof appConfig>` (or `inject: [appConfig.KEY]` in
 * a factory). Its factory reads `process.env`, but the app never calls it: `createApp` loads the
 * configuration once and hands it over through `appConfigModule`.
 */
export const appConfig = registerAs(NAMESPACE, (): AppConfig => loadAppConfig(process.env));

/**
 * The global configuration module holding an already loaded configuration under
 * `appConfig.KEY` (and `ConfigService.get('app')`); nothing reads the environment again.
 */
export function appConfigModule(config: AppConfig): Promise<DynamicModule> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    load: [registerAs(NAMESPACE, () => config)],
  });
}

import { Inject } from '@nestjs/common';
import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema';

/** DI token of the application's `Kysely<DatabaseSchema>` instance. */
export const DATABASE = Symbol('DATABASE');

/** DI token of the pg `Pool` behind DATABASE in the PostgreSQL mode; null with SQLite. */
export const DATABASE_POOL = Symbol('DATABASE_POOL');

/** DI token of the migrations applied at start (`Record<name, Migration>`). */
export const DATABASE_MIGRATIONS = Symbol('DATABASE_MIGRATIONS');

/** The typed query builder over the configured database (SQLite file or PostgreSQL). */
export type Database = Kysely<DatabaseSchema>;

/** Injects the application's Kysely instance. */
export const InjectDatabase = (): ParameterDecorator => Inject(DATABASE);

/** File name of the SQLite database inside the data folder. */
export const DATABASE_FILE_NAME = 'storyflow.db';

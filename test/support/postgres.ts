import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { Client } from 'pg';

/**
 * The server the PostgreSQL runs use: TEST_POSTGRES_URL, or the one on 127.0.0.1:5432 (trust
 * auth, user postgres), as `.ci/run` starts it. Its `postgres` database is only used to create
 * and drop the per-run databases.
 */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Which database the e2e files of this jest project run on (set by `postgres-project.ts`). */
export function testDatabaseMode(): 'sqlite' | 'postgres' {
  return process.env.STORYFLOW_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
}

/** A database of its own for one run, dropped by `drop()`. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await client.connect();
  } catch (error) {
    // Never a silent skip: a PostgreSQL run without a server fails, naming what to do.
    throw new Error(
      `PostgreSQL test run: cannot reach ${TEST_POSTGRES_URL} (${(error as Error).message}). ` +
        'Start a server there (bash .ci/run does) or set TEST_POSTGRES_URL; ' +
        '`npx jest --selectProjects unit e2e` runs the SQLite suites only.',
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh, empty database named after the test file (`label`), the process and a
 * random suffix, e.g. `sf_projects_e2e_1234_9f3a1c`.
 */
export async function createTestDatabase(label = currentTestFile()): Promise<TestDatabase> {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 30);
  const name = `sf_${slug}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

function currentTestFile(): string {
  const path = expect.getState().testPath;
  return path ? basename(path).replace(/\.e2e-spec\.ts$/, '') : 'run';
}

// ESM-only packages pulled in by light-my-request (cookie@2) and @fastify/static
// (content-disposition@3) must be transformed by ts-jest on Node 20.
const esmDeps = ['cookie', 'content-disposition'];
const base = {
  moduleFileExtensions: ['js', 'mjs', 'json', 'ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }] },
  transformIgnorePatterns: [`node_modules/(?!(${esmDeps.join('|')})/)`],
  setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
};
/**
 * e2e files of the contract run a second time with TTS_ENGINE=kokoro on the fixture model built
 * by the tests (issue 15): generation, progress, cancel, faults and the preview are the same
 * with a neural engine. (Files about eSpeak's own output, such as its word timings, are not.)
 */
const KOKORO_E2E = [
  'generation-lifecycle',
  'tasks-lifecycle',
  'faults',
  'voice-preview',
  'task-snapshots',
  'shutdown',
  'crash-durability',
  'status-poll-path',
];
/** e2e files run a second time on PostgreSQL (`npm test` runs both). */
const POSTGRES_E2E = ['projects', 'segments', 'settings', 'database', 'repositories'];
module.exports = {
  // A generous bound for tests that drive the real engine on a shared 2-core machine: they
  // wait for events, and this limit only stops a hung test.
  testTimeout: 300000,
  projects: [
    { ...base, displayName: 'unit', rootDir: '.', roots: ['<rootDir>/src'], testRegex: '.*\\.spec\\.ts$' },
    { ...base, displayName: 'e2e', rootDir: '.', testRegex: 'test/.*\\.e2e-spec\\.ts$' },
    // The web page's pure modules (no DOM), unit-tested like the server's.
    { ...base, displayName: 'web', rootDir: '.', testRegex: 'test/web/.*\\.spec\\.ts$' },
    {
      ...base,
      displayName: 'e2e-kokoro',
      rootDir: '.',
      testRegex: `test/(${KOKORO_E2E.join('|')})\\.e2e-spec\\.ts$`,
      setupFilesAfterEnv: ['<rootDir>/test/neural/support/kokoro-suite.ts'],
    },
    // The storage-facing e2e files again, each app on a fresh PostgreSQL database (issue 13).
    // Never skipped: without a server at TEST_POSTGRES_URL (127.0.0.1:5432 by default) they fail.
    {
      ...base,
      displayName: 'e2e-postgres',
      rootDir: '.',
      testRegex: `test/(${POSTGRES_E2E.join('|')})\\.e2e-spec\\.ts$`,
      setupFiles: [...base.setupFiles, '<rootDir>/test/support/postgres-project.ts'],
    },
  ],
};

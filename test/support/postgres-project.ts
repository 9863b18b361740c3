/**
 * Setup file of the `e2e-postgres` jest project: the e2e files it lists boot their apps on a
 * fresh PostgreSQL database each (see `startTestApp`) instead of the SQLite file.
 */
process.env.STORYFLOW_TEST_DATABASE = 'postgres';

import pg from 'pg';

/**
 * On the PostgreSQL run, pg_trgm is created once up front: each test file migrates its own schema
 * in parallel, and concurrent CREATE EXTENSION calls would race. Fails loudly if PostgreSQL is not
 * reachable, so a PostgreSQL run can never silently test nothing.
 */
export default async function setup(): Promise<void> {
  const url = process.env.GATEHOUSE_TEST_DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`GATEHOUSE_TEST_DATABASE_URL is set but PostgreSQL is unreachable at ${url}: ${(error as Error).message}`);
  }
  try {
    await client.query('create extension if not exists pg_trgm');
  } finally {
    await client.end();
  }
}

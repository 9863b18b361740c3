import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PreparedQuery } from './prepared-query';

interface Schema {
  items: { id: string; name: string; size: number; kind: string };
}

describe('PreparedQuery', () => {
  let db: Kysely<Schema>;

  beforeEach(async () => {
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    await db.schema
      .createTable('items')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text')
      .addColumn('size', 'integer')
      .addColumn('kind', 'text')
      .execute();
  });

  afterEach(() => db.destroy());

  it('runs the SQL the builder compiles, with each run its own values', async () => {
    const insert = new PreparedQuery<[id: string, name: string, size: number]>(3, (arg) =>
      db.insertInto('items').values({ id: arg(0), name: arg(1), size: arg(2), kind: 'fixed' }),
    );
    await insert.run(db, 'a', 'first', 1);
    await insert.run(db, 'b', 'second', 2);
    expect(await db.selectFrom('items').selectAll().orderBy('id').execute()).toEqual([
      { id: 'a', name: 'first', size: 1, kind: 'fixed' },
      { id: 'b', name: 'second', size: 2, kind: 'fixed' },
    ]);
  });

  it('binds an argument used twice, and reports the rows it changed', async () => {
    await db.insertInto('items').values({ id: 'a', name: 'x', size: 5, kind: 'k' }).execute();
    const grow = new PreparedQuery<[size: number, id: string]>(2, (arg) =>
      db
        .updateTable('items')
        .set({ size: arg(0) })
        .where('id', '=', arg(1))
        .where('size', '<', arg(0)),
    );
    expect(Number((await grow.run(db, 4, 'a')).numAffectedRows)).toBe(0);
    expect(Number((await grow.run(db, 9, 'a')).numAffectedRows)).toBe(1);
    expect((await db.selectFrom('items').select('size').executeTakeFirstOrThrow()).size).toBe(9);
  });

  it('runs inside a transaction given to it', async () => {
    const insert = new PreparedQuery<[id: string]>(1, (arg) =>
      db.insertInto('items').values({ id: arg(0), name: 'n', size: 0, kind: 'k' }),
    );
    await expect(
      db.transaction().execute(async (trx) => {
        await insert.run(trx, 'rolled-back');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await db.transaction().execute((trx) => insert.run(trx, 'kept'));
    expect(await db.selectFrom('items').select('id').execute()).toEqual([{ id: 'kept' }]);
  });

  it('refuses a query that does not bind every argument', () => {
    expect(
      () =>
        new PreparedQuery<[id: string, unused: string]>(2, (arg) =>
          db.selectFrom('items').selectAll().where('id', '=', arg(0)),
        ),
    ).toThrow('binds 1 of 2');
  });
});

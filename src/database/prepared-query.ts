import { type Compilable, type CompiledQuery, createQueryId, type QueryResult } from 'kysely';

/** What runs a compiled query: the application's Kysely instance or one of its transactions. */
interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** Where the compiled SQL takes its parameters from: an argument, or a value fixed at build. */
type Slot = { readonly argument: number } | { readonly value: unknown };

/**
 * A statement that Kysely builds and compiles once, then runs many times with other values.
 *
 * Building and compiling a small query costs more than running it on SQLite. Measured on this
 * machine under load: an UPDATE of a task's row took about 7 µs of CPU through the builder,
 * and about 2.4 µs when it was compiled once. A generated segment runs a few of these on the
 * event loop (bench row 2c).
 *
 * The code path stays the same for SQLite and PostgreSQL. The dialect's compiler writes the
 * SQL, and the statement runs through Kysely's `executeQuery` on the instance or transaction
 * it is given. So the same driver runs it, with the same connection and the same transaction.
 *
 * `build` receives `arg(i)`, a placeholder for the i-th argument of `run`. Kysely binds it as
 * a parameter, like any other value. After compiling, each parameter that is a placeholder is
 * filled from the arguments on every run; every other parameter keeps its compiled value.
 * Only a query whose shape does not depend on its values can be prepared. A list of values,
 * or an optional clause, changes the shape; such a query keeps the builder.
 */
export class PreparedQuery<Args extends readonly unknown[], R = unknown> {
  private readonly sql: string;
  private readonly query: CompiledQuery<R>['query'];
  private readonly slots: readonly Slot[];

  /**
   * Compiles now: `build` must build on the instance whose dialect will run the query (its
   * transactions share that dialect).
   */
  constructor(arity: Args['length'], build: (arg: (index: number) => never) => Compilable<R>) {
    const placeholders = Array.from({ length: arity }, (_, i) => `\u0000storyflow-arg-${i}\u0000`);
    const compiled = build((index) => {
      if (!(index >= 0 && index < arity)) throw new RangeError(`No argument ${index}`);
      return placeholders[index] as never;
    }).compile();
    const used = new Set<number>();
    this.slots = compiled.parameters.map((value): Slot => {
      const argument = typeof value === 'string' ? placeholders.indexOf(value) : -1;
      if (argument < 0) return { value };
      used.add(argument);
      return { argument };
    });
    if (used.size !== arity) throw new Error(`Prepared query binds ${used.size} of ${arity} args`);
    this.sql = compiled.sql;
    this.query = compiled.query;
  }

  /** Runs the statement with these values, on `db` (the instance or a transaction). */
  run(db: QueryRunner, ...args: Args): Promise<QueryResult<R>> {
    const parameters = new Array<unknown>(this.slots.length);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i];
      parameters[i] = 'argument' in slot ? args[slot.argument] : slot.value;
    }
    return db.executeQuery<R>({
      sql: this.sql,
      query: this.query,
      queryId: createQueryId(),
      parameters,
    });
  }
}

/**
 * The schema is said in two places: the migrations, which build the database, and `store/schema.ts`,
 * which is what every query is type-checked against. This reads the second with TypeScript's own
 * checker and compares it with a freshly migrated database, table by table and column by column
 * (name, nullability, kind of value), so the two cannot drift apart unnoticed.
 */
import path from 'node:path';
import { sql } from 'kysely';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrations/index.js';
import { openStore, type Store } from '../../src/store/db.js';
import { PACKAGE_ROOT } from '../support/cli.js';
import { createTestStore, TEST_DIALECT, type TestStore } from '../support/test-store.js';

type Kind = 'text' | 'integer' | 'bytes';
type Columns = Record<string, `${Kind}${'' | ' null'}`>;

/** Tables that belong to machinery rather than to Gatehouse's model: the migrator's own and FTS5's shadow tables. */
const INTERNAL_TABLE = /^(schema_migrations(_lock)?|user_search_fts(_\w+)?)$/;

/** `Database` from src/store/schema.ts as the compiler sees it: every table's columns with the value a select yields. */
function declaredSchema(): Record<string, Columns> {
  const file = path.join(PACKAGE_ROOT, 'src/store/schema.ts');
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`cannot read ${file}`);
  const database = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).find((s) => s.name === 'Database');
  if (!database) throw new Error('schema.ts exports no Database');
  const describeValue = (type: ts.Type): `${Kind}${'' | ' null'}` => {
    // Kysely's Generated<T> and ColumnType<S, I, U> carry the selected type as `__select__`.
    const selected = type.getProperty('__select__');
    const value = selected ? checker.getTypeOfSymbol(selected) : type;
    const parts = value.isUnion() ? value.types : [value];
    const nullable = parts.some((p) => p.flags & ts.TypeFlags.Null);
    const present = parts.filter((p) => !(p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)));
    const kinds = new Set(
      present.map((p): Kind => {
        if (p.flags & ts.TypeFlags.StringLike) return 'text';
        if (p.flags & ts.TypeFlags.NumberLike) return 'integer';
        if (checker.typeToString(p).startsWith('Uint8Array')) return 'bytes';
        throw new Error(`no column kind for ${checker.typeToString(p)}`);
      }),
    );
    if (kinds.size !== 1) throw new Error(`a column holds one kind of value, not ${[...kinds].join(' and ')}`);
    return `${[...kinds][0]!}${nullable ? ' null' : ''}`;
  };
  const tables: Record<string, Columns> = {};
  for (const table of checker.getDeclaredTypeOfSymbol(database).getProperties()) {
    const row = checker.getTypeOfSymbol(table);
    tables[table.name] = Object.fromEntries(row.getProperties().map((column) => [column.name, describeValue(checker.getTypeOfSymbol(column))]));
  }
  return tables;
}

function kindOf(declared: string): Kind {
  const type = declared.toLowerCase();
  if (type === 'text' || type.startsWith('character') || type.startsWith('varchar')) return 'text';
  if (type === 'integer' || type === 'bigint') return 'integer';
  if (type === 'blob' || type === 'bytea') return 'bytes';
  throw new Error(`no column kind for the SQL type ${declared}`);
}

/** The migrated database's tables and columns, read from its catalog. */
async function migratedSchema(store: Store): Promise<Record<string, Columns>> {
  const rows =
    store.dialect === 'postgres'
      ? (
          await sql<{ table_name: string; column_name: string; data_type: string; not_null: boolean }>`
            select c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO' as not_null
            from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
            where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'`.execute(store.db)
        ).rows
      : (
          await sql<{ table_name: string; column_name: string; data_type: string; not_null: number }>`
            select m.name as table_name, p.name as column_name, p.type as data_type, (p."notnull" or p.pk > 0) as not_null
            from sqlite_schema m join pragma_table_info(m.name) p
            where m.type = 'table' and m.name not like 'sqlite_%'`.execute(store.db)
        ).rows;
  const tables: Record<string, Columns> = {};
  for (const row of rows) {
    if (INTERNAL_TABLE.test(row.table_name)) continue;
    (tables[row.table_name] ??= {})[row.column_name] = `${kindOf(row.data_type)}${row.not_null ? '' : ' null'}`;
  }
  return tables;
}

/** Sorts tables and columns so a difference reads as one line of the diff. */
function sorted(schema: Record<string, Columns>): Record<string, Columns> {
  return Object.fromEntries(
    Object.entries(schema)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, columns]) => [table, Object.fromEntries(Object.entries(columns).sort(([a], [b]) => a.localeCompare(b)))]),
  );
}

let testStore: TestStore;
let store: Store;
beforeAll(async () => {
  testStore = await createTestStore();
  store = openStore(testStore.options);
  await migrateToLatest(store.db, store.dialect);
});
afterAll(async () => {
  await store?.close();
  await testStore?.dispose();
});

describe(`store/schema.ts against the migrated ${TEST_DIALECT} database`, () => {
  it('declares exactly the tables and columns the migrations create, with the same nullability and kind of value', async () => {
    expect(sorted(declaredSchema())).toEqual(sorted(await migratedSchema(store)));
  });
});

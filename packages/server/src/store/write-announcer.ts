import type { KyselyPlugin, OperationNode, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { TableChange } from './change-feed.js';

type QueryId = PluginTransformQueryArgs['queryId'];

/** A node's fields, for walking node kinds Kysely does not export a type guard for. */
type Fields = Readonly<Record<string, unknown>>;

function fieldsOf(node: OperationNode): Fields {
  return node as unknown as Fields;
}

function isNode(value: unknown): value is OperationNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

function tableName(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  const fields = fieldsOf(node);
  if (node.kind === 'TableNode') return (fields['table'] as { identifier: { name: string } }).identifier.name;
  if (node.kind === 'AliasNode') return tableName(fields['node']);
  return undefined;
}

/** The tables a write statement itself targets (not those it reads). */
function targetsOf(node: OperationNode): unknown[] {
  const fields = fieldsOf(node);
  switch (node.kind) {
    case 'InsertQueryNode':
    case 'MergeQueryNode':
      return [fields['into']];
    case 'UpdateQueryNode':
      return [fields['table']];
    case 'DeleteQueryNode':
      return (fields['from'] as { froms?: unknown[] } | undefined)?.froms ?? [];
    default:
      return [];
  }
}

function columnName(update: unknown): string | undefined {
  const column = (update as { column?: { column?: { name?: unknown } } }).column?.column?.name;
  return typeof column === 'string' ? column : undefined;
}

/** What a write statement does to its targets; undefined for anything that is not a write. */
function changeOf(node: OperationNode): Pick<TableChange, 'kind' | 'columns'> | undefined {
  const fields = fieldsOf(node);
  switch (node.kind) {
    case 'InsertQueryNode': {
      // An upsert or a replace changes existing rows too.
      const onConflict = fields['onConflict'] as { updates?: unknown[] } | undefined;
      const rewrites = (onConflict?.updates?.length ?? 0) > 0 || fields['onDuplicateKey'] !== undefined || fields['replace'] === true || fields['orAction'] !== undefined;
      return { kind: rewrites ? 'write' : 'insert' };
    }
    case 'UpdateQueryNode': {
      const columns = ((fields['updates'] as unknown[] | undefined) ?? []).map(columnName);
      // A column this walk cannot name (an expression) leaves the update unqualified.
      return columns.every((c): c is string => c !== undefined) ? { kind: 'update', columns } : { kind: 'write' };
    }
    case 'DeleteQueryNode':
      return { kind: 'delete' };
    case 'MergeQueryNode':
      return { kind: 'write' };
    default:
      return undefined;
  }
}

/** Raw SQL text that may write: with no write node found in it, its changes are unknown. */
const WRITE_WORDS = /\b(insert|update|delete|merge|replace|truncate|alter|drop)\b/i;

/**
 * Every change a query makes; `undefined` stands for a write whose table this walk cannot name
 * (hand-written SQL, say), which caches must take as "anything may have changed". SQL allows
 * writes only as the statement itself or as a CTE of its top-level WITH; a raw fragment (see
 * insert-together.ts) may wrap such statements as parameters. Only those places are searched, so
 * a large insert's values are never walked.
 */
export function changesMadeBy(root: OperationNode): (TableChange | undefined)[] {
  const changes: (TableChange | undefined)[] = [];
  const visit = (node: OperationNode): void => {
    const change = changeOf(node);
    if (change) {
      const tables = targetsOf(node).map(tableName);
      if (tables.length === 0) changes.push(undefined);
      for (const table of tables) changes.push(table ? { table, ...change } : undefined);
    }
    const fields = fieldsOf(node);
    const ctes = (fields['with'] as { expressions?: { expression?: unknown }[] } | undefined)?.expressions ?? [];
    for (const cte of ctes) if (isNode(cte.expression)) visit(cte.expression);
    if (node.kind === 'RawNode') for (const parameter of fields['parameters'] as unknown[]) if (isNode(parameter)) visit(parameter);
  };
  visit(root);
  if (changes.length === 0 && root.kind === 'RawNode' && (fieldsOf(root)['sqlFragments'] as string[]).some((text) => WRITE_WORDS.test(text))) changes.push(undefined);
  return changes;
}

/**
 * A Kysely plugin that hears every write built with Kysely and, once the statement has run, calls
 * `made` with each change (`undefined`: a write it cannot describe). Outside a transaction that is
 * after the commit; inside one, the caller must also announce after the commit (see
 * `Store.transaction`), since a reader may copy the old rows between the statement and the commit.
 *
 * Queries handed over already compiled are not seen: `preparedQuery` refuses writes for that reason.
 */
export class WriteAnnouncer implements KyselyPlugin {
  private readonly pending = new WeakMap<QueryId, (TableChange | undefined)[]>();

  constructor(private readonly made: (change: TableChange | undefined) => void) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const changes = changesMadeBy(args.node);
    if (changes.length > 0) this.pending.set(args.queryId, changes);
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const changes = this.pending.get(args.queryId);
    if (changes) {
      this.pending.delete(args.queryId);
      for (const change of changes) this.made(change);
    }
    return Promise.resolve(args.result);
  }
}

import type { KyselyPlugin, OperationNode, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

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

/**
 * Every table a query writes. SQL allows writes only as the statement itself or as a CTE of its
 * top-level WITH; a raw fragment (see insert-together.ts) may wrap such statements as parameters.
 * Only those places are searched, so a large insert's values are never walked.
 */
export function tablesWrittenBy(root: OperationNode): Set<string> {
  const tables = new Set<string>();
  const visit = (node: OperationNode): void => {
    for (const target of targetsOf(node)) {
      const name = tableName(target);
      if (name) tables.add(name);
    }
    const fields = fieldsOf(node);
    const ctes = (fields['with'] as { expressions?: { expression?: unknown }[] } | undefined)?.expressions ?? [];
    for (const cte of ctes) if (isNode(cte.expression)) visit(cte.expression);
    if (node.kind === 'RawNode') for (const parameter of fields['parameters'] as unknown[]) if (isNode(parameter)) visit(parameter);
  };
  visit(root);
  return tables;
}

/**
 * A Kysely plugin that hears every write built with Kysely and, once the statement has run, calls
 * `written` with each table it wrote. Outside a transaction that is after the commit; inside one,
 * the caller must also announce after the commit (see `Store.transaction`), since a reader may
 * copy the old rows between the statement and the commit.
 *
 * Queries handed over already compiled (`preparedQuery`) are not seen: those are reads.
 */
export class WriteAnnouncer implements KyselyPlugin {
  private readonly pending = new WeakMap<QueryId, Set<string>>();

  constructor(private readonly written: (table: string) => void) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const tables = tablesWrittenBy(args.node);
    if (tables.size > 0) this.pending.set(args.queryId, tables);
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const tables = this.pending.get(args.queryId);
    if (tables) {
      this.pending.delete(args.queryId);
      for (const table of tables) this.written(table);
    }
    return Promise.resolve(args.result);
  }
}

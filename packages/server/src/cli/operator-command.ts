import os from 'node:os';
import type { Config } from '../config.js';
import type { DomainContext } from '../domain/context.js';
import { SYSTEM_ACTOR } from '../domain/events/append-event.js';
import { runWithAuditContext } from '../domain/events/audit-context.js';
import { GatehouseError } from '../errors.js';
import { domainContextFor } from '../server.js';
import type { Store } from '../store/db.js';
import { readInstanceId } from '../store/repositories/secret-key-repository.js';

/** A command given wrong: its message is printed alone and the process exits 2. */
export class CliUsageError extends Error {}

/**
 * Runs an operator's command on the store directly, like `keys`. Changes are audited as the system
 * with the operating-system user as detail, so the log shows who ran the command; the domain's
 * refusals (a bad URL, an unknown id) are the operator's input: said plainly, exit 2.
 */
export async function runAsOperator(config: Config, store: Store, work: (ctx: DomainContext) => Promise<void>): Promise<void> {
  if (!(await readInstanceId(store.db))) throw new CliUsageError('This store has no Gatehouse instance yet: run `gatehouse start` once first.');
  const ctx = domainContextFor(config, store);
  const detail = `cli:${os.userInfo().username}`;
  try {
    await runWithAuditContext({ actor: SYSTEM_ACTOR, actorDetail: detail }, () => work(ctx));
  } catch (error) {
    if (error instanceof GatehouseError) {
      const param = typeof error.meta?.param_name === 'string' ? ` (${error.meta.param_name})` : '';
      throw new CliUsageError(`${error.longMessage}${param}`);
    }
    throw error;
  }
}

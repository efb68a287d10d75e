import { notFound } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { loadUserRecord, loadUserRecords } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { toUser } from './to-user.js';
import type { User } from './user.js';

export async function getUser(ctx: DomainContext, userId: string, db: Executor = ctx.store.db): Promise<User> {
  const record = await loadUserRecord(db, userId);
  if (!record) throw notFound();
  return toUser(record, ctx);
}

export async function getUsers(ctx: DomainContext, userIds: readonly string[]): Promise<User[]> {
  const records = await loadUserRecords(ctx.store.db, userIds);
  return records.map((record) => toUser(record, ctx));
}

import type { Executor } from '../../store/db.js';
import type { PublicUserData } from './types.js';

/** Public data of each user, keyed by id: names, identifier, image. Never metadata or private fields. */
export async function loadPublicUserData(db: Executor, userIds: readonly string[]): Promise<Map<string, PublicUserData>> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('users as u')
    .leftJoin('email_addresses as e', 'e.id', 'u.primary_email_address_id')
    .leftJoin('phone_numbers as p', 'p.id', 'u.primary_phone_number_id')
    .select(['u.id', 'u.first_name', 'u.last_name', 'u.username', 'u.banned', 'e.email_address', 'p.phone_number'])
    .where('u.id', 'in', unique)
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        userId: r.id,
        firstName: r.first_name,
        lastName: r.last_name,
        imageUrl: '',
        hasImage: false,
        identifier: r.email_address ?? r.phone_number ?? r.username ?? null,
        username: r.username,
        banned: r.banned === 1,
      },
    ]),
  );
}

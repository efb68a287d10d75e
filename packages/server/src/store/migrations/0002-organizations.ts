import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db.js';

type AnyDb = Kysely<unknown>;

/** The system permissions every instance has, and the two default roles built from them. */
const SYSTEM_PERMISSIONS: readonly [key: string, name: string, description: string][] = [
  ['org:sys_profile:manage', 'Manage organization', 'Permission to manage an organization.'],
  ['org:sys_profile:delete', 'Delete organization', 'Permission to delete an organization.'],
  ['org:sys_memberships:read', 'Read members', 'Permission to read the members of an organization.'],
  ['org:sys_memberships:manage', 'Manage members', 'Permission to manage the members of an organization.'],
  ['org:sys_domains:read', 'Read domains', 'Permission to read the domains of an organization.'],
  ['org:sys_domains:manage', 'Manage domains', 'Permission to manage the domains of an organization.'],
];

const DEFAULT_ROLES: readonly { key: string; name: string; description: string; permissions: readonly string[] }[] = [
  {
    key: 'org:admin',
    name: 'Admin',
    description: 'Role with elevated permissions in the organization.',
    permissions: SYSTEM_PERMISSIONS.map(([key]) => key),
  },
  {
    key: 'org:member',
    name: 'Member',
    description: 'Role with non-privileged permissions in the organization.',
    permissions: ['org:sys_memberships:read'],
  },
];

export async function up(db: AnyDb, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('image_id', 'text')
    .addColumn('max_allowed_memberships', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('admin_delete_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('public_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('private_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organizations_created_at_idx').on('organizations').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('organizations_name_idx').on('organizations').columns(['name', 'id']).execute();

  await db.schema
    .createTable('organization_permissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('organization_roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('is_creator_eligible', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('organization_role_permissions')
    .addColumn('role_id', 'text', (c) => c.notNull().references('organization_roles.id').onDelete('cascade'))
    .addColumn('permission_id', 'text', (c) => c.notNull().references('organization_permissions.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('organization_role_permissions_pkey', ['role_id', 'permission_id'])
    .execute();
  await db.schema.createIndex('organization_role_permissions_permission_idx').on('organization_role_permissions').column('permission_id').execute();

  // A role in use cannot be deleted: memberships and invitations reference it without cascade.
  await db.schema
    .createTable('organization_memberships')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_id', 'text', (c) => c.notNull().references('organization_roles.id').onDelete('restrict'))
    .addColumn('public_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('private_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('organization_memberships_org_user_key', ['organization_id', 'user_id'])
    .execute();
  await db.schema.createIndex('organization_memberships_org_created_idx').on('organization_memberships').columns(['organization_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('organization_memberships_user_idx').on('organization_memberships').columns(['user_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('organization_memberships_role_idx').on('organization_memberships').column('role_id').execute();

  await db.schema
    .createTable('organization_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('email_address', 'text', (c) => c.notNull())
    .addColumn('role_id', 'text', (c) => c.notNull().references('organization_roles.id').onDelete('restrict'))
    .addColumn('inviter_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ticket_hash', 'text', (c) => c.notNull().unique())
    .addColumn('redirect_url', 'text')
    .addColumn('public_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('private_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('organization_invitations_org_idx').on('organization_invitations').columns(['organization_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('organization_invitations_email_idx').on('organization_invitations').columns(['email_address', 'status']).execute();
  // At most one pending invitation per address and organization, even under concurrent creates.
  await sql`create unique index organization_invitations_pending_key on organization_invitations (organization_id, email_address) where status = 'pending'`.execute(db);

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email_address', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ticket_hash', 'text', (c) => c.notNull().unique())
    .addColumn('redirect_url', 'text')
    .addColumn('public_metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invitations_created_idx').on('invitations').columns(['created_at', 'id']).execute();
  await sql`create unique index invitations_pending_key on invitations (email_address) where status = 'pending'`.execute(db);

  await db.schema
    .createTable('images')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await seedRolesAndPermissions(db);
}

async function seedRolesAndPermissions(db: AnyDb): Promise<void> {
  const now = Date.now();
  // Stable ids for the built-ins, so every instance names them the same way.
  const permissionId = (key: string) => `perm_sys_${key.split(':').slice(1).join('_')}`;
  for (const [key, name, description] of SYSTEM_PERMISSIONS) {
    await sql`insert into organization_permissions (id, key, name, description, type, created_at, updated_at)
      values (${permissionId(key)}, ${key}, ${name}, ${description}, 'system', ${now}, ${now})`.execute(db);
  }
  for (const role of DEFAULT_ROLES) {
    const roleId = `role_${role.key.split(':')[1]}`;
    await sql`insert into organization_roles (id, key, name, description, is_creator_eligible, created_at, updated_at)
      values (${roleId}, ${role.key}, ${role.name}, ${role.description}, ${role.key === 'org:admin' ? 1 : 0}, ${now}, ${now})`.execute(db);
    for (const permission of role.permissions) {
      await sql`insert into organization_role_permissions (role_id, permission_id) values (${roleId}, ${permissionId(permission)})`.execute(db);
    }
  }
}

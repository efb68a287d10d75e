import { describe, expect, it } from 'vitest';
import {
  findShortcodeSyntaxError,
  parseExpression,
  renderClaims,
  renderString,
  shortcodeScope,
  ShortcodeSyntaxError,
  type ShortcodeScope,
  type TemplateOrganization,
  type TemplateUser,
} from '../../src/domain/sessions/template-claims.js';

const CREATED_AT = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

function user(overrides: Partial<TemplateUser> = {}): TemplateUser {
  return {
    id: 'user_1',
    externalId: null,
    username: 'maria',
    firstName: 'Maria',
    lastName: 'Doe',
    primaryEmailAddressId: 'idn_email',
    primaryPhoneNumberId: null,
    publicMetadata: { role: 'editor', age: 0, profile: { interests: ['reading', 'climbing'] }, tags: ['a', 'b'] },
    unsafeMetadata: { foo: { bar: 42 } },
    imageUrl: 'https://gatehouse.example/images/default-avatar.svg',
    hasImage: false,
    totpEnabled: false,
    backupCodeEnabled: false,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT + 1000,
    emailAddresses: [
      { id: 'idn_other', emailAddress: 'other@example.com', verification: { status: 'unverified', strategy: 'email_code', expireAt: CREATED_AT + 600_000 } },
      { id: 'idn_email', emailAddress: 'maria@example.com', verification: { status: 'verified', strategy: 'admin', expireAt: null } },
    ],
    phoneNumbers: [{ id: 'idn_phone', phoneNumber: '+15555550100', verification: null }],
    ...overrides,
  };
}

const ORG: TemplateOrganization = {
  id: 'org_1',
  name: 'Acme',
  slug: 'acme',
  imageUrl: null,
  publicMetadata: { plan: 'pro', limits: { seats: 5 } },
  roleKey: 'org:admin',
  permissions: ['org:invoices:read', 'org:sys_memberships:manage'],
  membershipPublicMetadata: { team: 'red' },
};

function scope(u: TemplateUser = user(), org: TemplateOrganization | null = ORG, actor: Record<string, unknown> | null = null): ShortcodeScope {
  return shortcodeScope({ user: u, organization: org, actor });
}

describe('typed shortcodes', () => {
  it('keep the type of what they name when a string is exactly one shortcode', () => {
    const s = scope();
    expect(renderString('{{user.public_metadata}}', s)).toEqual(user().publicMetadata);
    expect(renderString('{{user.email_verified}}', s)).toBe(true);
    expect(renderString('{{user.phone_number_verified}}', s)).toBe(false);
    expect(renderString('{{user.created_at}}', s)).toBe(Math.floor(CREATED_AT / 1000));
    expect(renderString('{{user.primary_email_address}}', s)).toBe('maria@example.com');
    expect(renderString('{{user.primary_phone_number}}', s)).toBeNull();
    expect(renderString('{{user.external_id}}', s)).toBeNull();
    expect(renderString('{{ user.id }}', s)).toBe('user_1');
  });

  it('reach into metadata with dotted paths, arrays by index, and read null past the end', () => {
    const s = scope();
    expect(renderString('{{user.public_metadata.profile.interests}}', s)).toEqual(['reading', 'climbing']);
    expect(renderString('{{user.public_metadata.tags.1}}', s)).toBe('b');
    expect(renderString('{{user.unsafe_metadata.foo.bar}}', s)).toBe(42);
    expect(renderString('{{user.public_metadata.missing.deeper}}', s)).toBeNull();
    expect(renderString('{{user.public_metadata.role.length}}', s)).toBeNull();
    expect(renderString('{{org.public_metadata.limits.seats}}', s)).toBe(5);
    expect(renderString('{{org_membership.public_metadata.team}}', s)).toBe('red');
  });

  it('render unknown shortcodes, private metadata and prototype keys as null', () => {
    const s = scope();
    for (const code of ['user.i_dont_exist', 'user.private_metadata', 'org.private_metadata', 'org_membership.private_metadata', 'nope.id', 'user.constructor', 'user.public_metadata.__proto__', 'user.public_metadata.toString']) {
      expect(renderString(`{{${code}}}`, s), code).toBeNull();
    }
  });

  it('expose the active organization, its role and non-system permissions', () => {
    const s = scope();
    expect(renderClaims({ id: '{{org.id}}', name: '{{org.name}}', slug: '{{org.slug}}', role: '{{org.role}}', image: '{{org.image_url}}', perms: '{{org.permissions}}', mperms: '{{org_membership.permissions}}' }, s)).toEqual({
      id: 'org_1',
      name: 'Acme',
      slug: 'acme',
      role: 'org:admin',
      image: '',
      perms: ['org:invoices:read'],
      mperms: ['org:invoices:read'],
    });
  });

  it('read null for every organization shortcode when no organization is active', () => {
    const s = scope(user(), null);
    expect(renderClaims({ id: '{{org.id}}', slug: '{{org.slug}}', meta: '{{org.public_metadata}}', m: '{{org_membership.public_metadata.team}}' }, s)).toEqual({ id: null, slug: null, meta: null, m: null });
  });

  it('expose the impersonation actor of the session, else null', () => {
    expect(renderString('{{session.actor}}', scope())).toBeNull();
    expect(renderString('{{session.actor.sub}}', scope(user(), ORG, { sub: 'user_admin' }))).toBe('user_admin');
  });

  it('derive full_name from what is set', () => {
    expect(renderString('{{user.full_name}}', scope())).toBe('Maria Doe');
    expect(renderString('{{user.full_name}}', scope(user({ lastName: null })))).toBe('Maria');
    expect(renderString('{{user.full_name}}', scope(user({ firstName: null, lastName: null })))).toBeNull();
  });
});

describe('interpolation', () => {
  it('joins string forms, and a null reads "null" as in Clerk’s own example', () => {
    expect(renderString('{{user.first_name}} {{user.last_name}}', scope())).toBe('Maria Doe');
    expect(renderString('{{user.last_name}} {{user.first_name}}', scope(user({ lastName: null })))).toBe('null Maria');
    expect(renderString('id:{{user.i_dont_exist}}', scope())).toBe('id:null');
  });

  it('writes numbers, booleans and objects as text', () => {
    const s = scope();
    expect(renderString('v{{user.unsafe_metadata.foo.bar}}-{{user.email_verified}}', s)).toBe('v42-true');
    expect(renderString('m={{user.unsafe_metadata}}', s)).toBe('m={"foo":{"bar":42}}');
    expect(renderString(' {{user.id}}', s)).toBe(' user_1');
  });

  it('leaves strings without shortcodes, and unclosed braces, alone', () => {
    expect(renderString('plain', scope())).toBe('plain');
    expect(renderString('{{user.id', scope())).toBe('{{user.id');
    expect(renderString('{ {user.id} }', scope())).toBe('{ {user.id} }');
  });
});

describe('conditional expressions', () => {
  it('take the first operand that is neither null nor false, else the last', () => {
    const s = scope(user({ firstName: null, lastName: null, unsafeMetadata: {} }));
    expect(renderString("{{user.full_name || 'Awesome User'}}", s)).toBe('Awesome User');
    expect(renderString('{{user.public_metadata.nope || user.unsafe_metadata.age || 30 }}', s)).toBe(30);
    expect(renderString('{{user.phone_number_verified || user.email_verified}}', s)).toBe(true);
    expect(renderString('{{user.phone_number_verified || user.external_id}}', s)).toBeNull();
    expect(renderString('{{user.external_id || false}}', s)).toBe(false);
    expect(renderString('{{user.external_id || user.id}}', s)).toBe('user_1');
  });

  it('treat 0 and empty strings as values, not as falsy', () => {
    const s = scope(user({ publicMetadata: { age: 0, nick: '' } }));
    expect(renderString('{{user.public_metadata.age || 30}}', s)).toBe(0);
    expect(renderString("{{user.public_metadata.nick || 'anon'}}", s)).toBe('');
  });

  it('work inside interpolated strings and with decimals and negative numbers', () => {
    const s = scope(user({ firstName: null }));
    expect(renderString("Hi {{user.first_name || 'there'}}!", s)).toBe('Hi there!');
    expect(renderString('{{user.public_metadata.nope || -1.5}}', s)).toBe(-1.5);
    expect(renderString("{{ 'a b' }}", s)).toBe('a b');
  });
});

describe('rendering whole templates', () => {
  it('renders nested objects and arrays and keeps static values and keys as they are', () => {
    const rendered = renderClaims(
      {
        aud: 'https://my-site.com',
        version: 1,
        flag: true,
        none: null,
        foo: { bar: [1, '{{user.id}}', { deep: '{{user.public_metadata.role}}' }] },
        '{{user.id}}': 'key is literal',
      },
      scope(),
    );
    expect(rendered).toEqual({
      aud: 'https://my-site.com',
      version: 1,
      flag: true,
      none: null,
      foo: { bar: [1, 'user_1', { deep: 'editor' }] },
      '{{user.id}}': 'key is literal',
    });
  });

  it('does not share or change the template it renders', () => {
    const template = { m: '{{user.public_metadata}}', list: ['{{user.id}}'] };
    const before = JSON.stringify(template);
    renderClaims(template, scope());
    expect(JSON.stringify(template)).toBe(before);
  });
});

describe('syntax', () => {
  it('parses operands and literals', () => {
    expect(parseExpression(" user.id || 'x' || 3 || true ")).toEqual([
      { kind: 'path', segments: ['user', 'id'] },
      { kind: 'literal', value: 'x' },
      { kind: 'literal', value: 3 },
      { kind: 'literal', value: true },
    ]);
  });

  it('rejects malformed expressions with a reason', () => {
    for (const bad of ['', '   ', 'user.id ||', '|| user.id', "'open", 'user', 'user.id user.name', 'user.id | x', 'null', '"double"']) {
      expect(() => parseExpression(bad), bad).toThrow(ShortcodeSyntaxError);
    }
  });

  it('finds the first bad shortcode anywhere in a template, and accepts unknown but well-formed ones', () => {
    expect(findShortcodeSyntaxError({ a: '{{user.id}}', b: ['{{user.nope || 1}}'] })).toBeUndefined();
    expect(findShortcodeSyntaxError({ a: 'ok', b: { c: ['x', 'hello {{ user }}'] } })).toMatch(/\{\{ user \}\}/);
    expect(findShortcodeSyntaxError({ a: '{{}}' })).toMatch(/empty/);
  });
});

import { describe, expect, it } from 'vitest';
import { escapeHtml, invitationEmail, magicLinkEmail, passwordResetCodeEmail, verificationCodeEmail, verificationLinkEmail, type RenderedEmail } from '../../src/domain/email/templates.js';

const HOSTILE = `<script>alert("x")</script> & 'quotes'`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;';

/** Every tag in the HTML is one the templates write themselves. */
function tagsOf(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase());
}
const OWN_TAGS = new Set(['html', 'head', 'meta', 'title', 'body', 'main', 'h1', 'p', 'a', 'br', 'span']);

function expectSafe(email: RenderedEmail): void {
  expect(email.html).not.toContain('<script');
  expect(tagsOf(email.html).every((tag) => OWN_TAGS.has(tag))).toBe(true);
  expect(email.html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
  expect(email.subject).not.toMatch(/[\r\n]/);
}

describe('email templates', () => {
  it('escapes &, <, >, " and \'', () => {
    expect(escapeHtml(HOSTILE)).toBe(HOSTILE_ESCAPED);
  });

  it('renders a verification code: the code in both bodies, never in the subject, every value escaped', () => {
    const email = verificationCodeEmail({ applicationName: HOSTILE, code: '<b>123456</b>', expiresInMinutes: 10 });
    expectSafe(email);
    expect(email.subject).toBe(`Your ${HOSTILE} verification code`);
    expect(email.subject).not.toContain('123456');
    expect(email.text).toContain('<b>123456</b>');
    expect(email.text).toContain('expires in 10 minutes');
    expect(email.html).toContain('&lt;b&gt;123456&lt;/b&gt;');
    expect(email.html).toContain(HOSTILE_ESCAPED);
    expect(email.html).not.toContain(HOSTILE);
    expect(email.html).toContain(`<title>Your ${HOSTILE_ESCAPED} verification code</title>`);
  });

  it('renders a password reset code', () => {
    const email = passwordResetCodeEmail({ applicationName: 'Acme', code: '987654', expiresInMinutes: 1 });
    expectSafe(email);
    expect(email.subject).toBe('Reset your Acme password');
    expect(email.text).toContain('987654');
    expect(email.text).toContain('expires in 1 minute.');
    expect(email.html).toContain('987654');
  });

  it('renders a magic link: the link escaped in href and text, never in the subject', () => {
    const url = 'https://app.example.test/verify?token=abc&next="/x"<y>';
    const email = magicLinkEmail({ applicationName: 'Acme', url, expiresInMinutes: 15 });
    expectSafe(email);
    const href = new URL(url).href;
    expect(email.subject).toBe('Sign in to Acme');
    expect(email.text).toContain(href);
    expect(email.html).toContain(`href="${escapeHtml(href)}"`);
    expect(email.html).not.toContain('&next="');
    expect(email.html).toContain('expires in 15 minutes');
  });

  it('renders an email verification link the same way, saying what it is for', () => {
    const url = 'https://app.example.test/fapi/v1/verify?token=abc';
    const email = verificationLinkEmail({ applicationName: 'Acme <Labs>', url, expiresInMinutes: 10 });
    expectSafe(email);
    expect(email.subject).toBe('Verify your email address for Acme <Labs>');
    expect(email.text).toContain(url);
    expect(email.html).toContain('Acme &lt;Labs&gt;');
    expect(email.html).toContain('expires in 10 minutes');
  });

  it('refuses a link that is not http(s)', () => {
    expect(() => magicLinkEmail({ applicationName: 'Acme', url: 'javascript:alert(1)', expiresInMinutes: 5 })).toThrow(/http\(s\)/);
    expect(() => invitationEmail({ applicationName: 'Acme', url: '/relative' })).toThrow(/absolute/);
  });

  it('renders instance and organization invitations with the organization name escaped', () => {
    const instance = invitationEmail({ applicationName: 'Acme', url: 'https://app.example.test/accept?ticket=t1' });
    expectSafe(instance);
    expect(instance.subject).toBe('You are invited to join Acme');
    expect(instance.text).toContain('https://app.example.test/accept?ticket=t1');

    const organization = invitationEmail({ applicationName: 'Acme', url: 'https://app.example.test/accept?ticket=t2', organizationName: `${HOSTILE}\r\nBcc: x@y` });
    expectSafe(organization);
    expect(organization.subject).toBe(`You are invited to join ${HOSTILE} Bcc: x@y on Acme`);
    expect(organization.html).toContain(HOSTILE_ESCAPED);
    expect(organization.html).not.toContain(HOSTILE);
    expect(organization.html).toContain('href="https://app.example.test/accept?ticket=t2"');
  });
});

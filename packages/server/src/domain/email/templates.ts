/**
 * The emails Gatehouse sends, as pure functions of what they say. Each returns a subject, a
 * plain-text body and a small, accessible HTML body (a language, a heading, real links with the
 * address also written out, no images, no layout tables).
 *
 * Every interpolated value in the HTML goes through `html```, which escapes it unless it is
 * already markup built the same way, so an application or organization name cannot inject
 * markup. Codes and links appear in the bodies only, never in the subject: the subject stays
 * in the outbox and the event log after the bodies are gone.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface VerificationCodeEmailInput {
  applicationName: string;
  code: string;
  expiresInMinutes: number;
}

export interface MagicLinkEmailInput {
  applicationName: string;
  /** An absolute http(s) URL. */
  url: string;
  expiresInMinutes: number;
}

export interface PasswordResetCodeEmailInput {
  applicationName: string;
  code: string;
  expiresInMinutes: number;
}

export interface InvitationEmailInput {
  applicationName: string;
  /** An absolute http(s) URL: where the invitation is accepted. */
  url: string;
  /** For an organization invitation; absent for an invitation to the application itself. */
  organizationName?: string;
}

export interface AccountNoticeInput {
  applicationName: string;
  /** The address the notice goes to, as the person typed it. */
  emailAddress: string;
}

/** Markup that is safe to place as it is: built only by `html```. */
class Markup {
  constructor(readonly value: string) {}
}

type Interpolated = string | number | Markup | readonly Markup[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and for quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: Interpolated): string {
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

function html(strings: TemplateStringsArray, ...values: Interpolated[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

/** One line: a name with a newline in it must not break the subject header or the text layout. */
function oneLine(value: string): string {
  return value.replace(/[\p{Cc}\s]+/gu, ' ').trim();
}

function minutes(n: number): string {
  return n === 1 ? '1 minute' : `${n} minutes`;
}

/** Refuses anything but an absolute http(s) URL: escaping keeps `javascript:` out of markup, not out of `href`. */
function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('email link must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('email link must be an http(s) URL');
  return url.href;
}

const BODY_STYLE =
  "margin:0;padding:24px;background:#ffffff;color:#1a1a1a;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5";
const CODE_STYLE = "margin:24px 0;font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:28px;font-weight:700;letter-spacing:4px";
const BUTTON_STYLE = 'display:inline-block;padding:12px 20px;border-radius:6px;background:#1f4fd1;color:#ffffff;font-weight:600;text-decoration:none';
const MUTED_STYLE = 'color:#4a4a4a;font-size:14px';

function document(subject: string, content: Markup): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${subject}</title>
</head>
<body style="${BODY_STYLE}">
<main style="max-width:560px;margin:0 auto">
${content}
</main>
</body>
</html>
`.value;
}

/** A link as a button, with its address written out below for clients that do not follow it. */
function linkBlock(url: string, label: string): Markup {
  return html`<p style="margin:24px 0"><a href="${url}" style="${BUTTON_STYLE}">${label}</a></p>
<p style="${MUTED_STYLE}">If the button does not work, copy this address into your browser:<br><span style="word-break:break-all">${url}</span></p>`;
}

function ignoreNote(what: string): Markup {
  return html`<p style="${MUTED_STYLE}">If you did not ${what}, you can ignore this email.</p>`;
}

function codeEmail(app: string, subject: string, lead: string, code: string, expiresInMinutes: number, didNot: string): RenderedEmail {
  const expiry = `The code expires in ${minutes(expiresInMinutes)}. Do not share it with anyone.`;
  return {
    subject,
    text: `${lead}\n\n${code}\n\n${expiry}\n\nIf you did not ${didNot}, you can ignore this email.\n\n${app}\n`,
    html: document(
      subject,
      html`<h1 style="font-size:20px;margin:0 0 16px">${subject}</h1>
<p>${lead}</p>
<p style="${CODE_STYLE}">${code}</p>
<p>${expiry}</p>
${ignoreNote(didNot)}`,
    ),
  };
}

export function verificationCodeEmail(input: VerificationCodeEmailInput): RenderedEmail {
  const app = oneLine(input.applicationName);
  const code = oneLine(input.code);
  return codeEmail(app, `Your ${app} verification code`, `Enter this code to verify your email address with ${app}:`, code, input.expiresInMinutes, 'ask for this code');
}

export function passwordResetCodeEmail(input: PasswordResetCodeEmailInput): RenderedEmail {
  const app = oneLine(input.applicationName);
  const code = oneLine(input.code);
  return codeEmail(app, `Reset your ${app} password`, `Enter this code to reset your ${app} password:`, code, input.expiresInMinutes, 'ask to reset your password');
}

function linkEmail(app: string, url: string, subject: string, purpose: string, expiresInMinutes: number, didNot: string): RenderedEmail {
  const expiry = `The link expires in ${minutes(expiresInMinutes)}. Do not forward this email.`;
  return {
    subject,
    text: `Use this link to ${purpose}:\n\n${url}\n\n${expiry}\n\nIf you did not ${didNot}, you can ignore this email.\n\n${app}\n`,
    html: document(
      subject,
      html`<h1 style="font-size:20px;margin:0 0 16px">${subject}</h1>
<p>Use this link to ${purpose}.</p>
${linkBlock(url, subject)}
<p>${expiry}</p>
${ignoreNote(didNot)}`,
    ),
  };
}

export function magicLinkEmail(input: MagicLinkEmailInput): RenderedEmail {
  const app = oneLine(input.applicationName);
  return linkEmail(app, httpUrl(input.url), `Sign in to ${app}`, `sign in to ${app}`, input.expiresInMinutes, 'ask to sign in');
}

export function verificationLinkEmail(input: MagicLinkEmailInput): RenderedEmail {
  const app = oneLine(input.applicationName);
  return linkEmail(app, httpUrl(input.url), `Verify your email address for ${app}`, `verify your email address with ${app}`, input.expiresInMinutes, 'sign up');
}

export function invitationEmail(input: InvitationEmailInput): RenderedEmail {
  const app = oneLine(input.applicationName);
  const url = httpUrl(input.url);
  const organization = input.organizationName === undefined ? undefined : oneLine(input.organizationName);
  const subject = organization ? `You are invited to join ${organization} on ${app}` : `You are invited to join ${app}`;
  const lead = organization ? `You have been invited to join the organization ${organization} on ${app}.` : `You have been invited to join ${app}.`;
  return {
    subject,
    text: `${lead}\n\nAccept the invitation:\n\n${url}\n\nIf you were not expecting this invitation, you can ignore this email.\n\n${app}\n`,
    html: document(
      subject,
      html`<h1 style="font-size:20px;margin:0 0 16px">${subject}</h1>
<p>${lead}</p>
${linkBlock(url, 'Accept the invitation')}
${ignoreNote('expect this invitation')}`,
    ),
  };
}

function noticeEmail(app: string, subject: string, lines: readonly string[]): RenderedEmail {
  return {
    subject,
    text: `${lines.join('\n\n')}\n\n${app}\n`,
    html: document(
      subject,
      html`<h1 style="font-size:20px;margin:0 0 16px">${subject}</h1>
${lines.map((line) => html`<p>${line}</p>
`)}`,
    ),
  };
}

/**
 * Under enumeration protection, a sign-in by code or link for an address no account holds gets
 * this instead of a code: the person learns it by mail, the page learns nothing.
 */
export function signInNoAccountEmail(input: AccountNoticeInput): RenderedEmail {
  const app = oneLine(input.applicationName);
  const address = oneLine(input.emailAddress);
  return noticeEmail(app, `Sign-in attempt on ${app}`, [
    `Someone tried to sign in to ${app} with ${address}, but no account uses this address.`,
    `If it was you, sign up first, or sign in with the address your account uses. If it was not you, you can ignore this email.`,
  ]);
}

/** Under enumeration protection, a sign-up with an address an account already holds gets this instead of a code. */
export function signUpAccountExistsEmail(input: AccountNoticeInput): RenderedEmail {
  const app = oneLine(input.applicationName);
  const address = oneLine(input.emailAddress);
  return noticeEmail(app, `Sign-up attempt on ${app}`, [
    `Someone tried to sign up to ${app} with ${address}, which your account already uses.`,
    `If it was you, sign in instead; you can reset your password from the sign-in page. If it was not you, you can ignore this email: nothing has changed.`,
  ]);
}

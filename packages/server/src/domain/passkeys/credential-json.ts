import { z } from 'zod';
import { paramError } from '../../errors.js';

/**
 * The `public_key_credential` clerk-js posts: WebAuthn's JSON form of a credential, buffers as
 * base64url. Checked for shape here; what it proves is checked by @simplewebauthn/server.
 */
const b64url = z.string().min(1).max(16_384).regex(/^[A-Za-z0-9_-]+={0,2}$/);

const registration = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  response: z.object({ clientDataJSON: b64url, attestationObject: b64url, transports: z.array(z.string().max(32)).max(10).optional() }),
});

const assertion = z.object({
  id: b64url,
  rawId: b64url,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  response: z.object({ clientDataJSON: b64url, authenticatorData: b64url, signature: b64url, userHandle: b64url.nullish() }),
});

export type RegistrationCredential = z.output<typeof registration>;
export type AssertionCredential = z.output<typeof assertion>;

function parse<T>(schema: z.ZodType<T>, raw: string | undefined): T {
  if (!raw) throw paramError('form_param_missing', 'public_key_credential');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw paramError('form_param_format_invalid', 'public_key_credential', 'public_key_credential must be a JSON-encoded WebAuthn credential.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw paramError('form_param_format_invalid', 'public_key_credential', 'public_key_credential is not a WebAuthn credential of the expected kind.');
  return parsed.data;
}

export const parseRegistrationCredential = (raw: string | undefined) => parse(registration, raw);
export const parseAssertionCredential = (raw: string | undefined) => parse(assertion, raw);

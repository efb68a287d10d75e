import { open, seal } from '../../crypto/secret-box.js';
import { notFound } from '../../errors.js';
import { updateExternalAccount, type ExternalAccountRow } from '../../store/repositories/oauth-repository.js';
import { loadUserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { refreshTokens, type ProviderProfile } from './oauth-client.js';
import { enabledProvider } from './providers.js';

/** A provider access token held for a user's connected account, as the Backend API hands it to the app. */
export interface OAuthAccessToken {
  externalAccountId: string;
  provider: string;
  providerUserId: string;
  token: string;
  scopes: string[];
  expiresAt: number | null;
}

/** Refreshed this long before it lapses, so the app never gets a token about to die. */
const REFRESH_MARGIN_MS = 60_000;

type Tokens = ProviderProfile['tokens'];

function tokensOf(ctx: DomainContext, row: ExternalAccountRow): Tokens | undefined {
  return row.tokens_sealed ? (JSON.parse(open(row.tokens_sealed, ctx.encryptionKey, `external_account:${row.id}`)) as Tokens) : undefined;
}

/**
 * The user's access tokens at `provider` (`oauth_google` or `google`), refreshed first when they
 * have lapsed and a refresh token is held. A refresh the provider refuses leaves the old token.
 */
export async function userAccessTokens(ctx: DomainContext, userId: string, provider: string): Promise<OAuthAccessToken[]> {
  const strategy = provider.startsWith('oauth_') ? provider : `oauth_${provider}`;
  const record = await loadUserRecord(ctx.store.db, userId);
  if (!record) throw notFound();
  const out: OAuthAccessToken[] = [];
  for (const row of record.externalAccounts.filter((a) => a.provider === strategy)) {
    let tokens = tokensOf(ctx, row);
    if (!tokens) continue;
    const now = ctx.now();
    if (tokens.expiresAt !== null && tokens.expiresAt - REFRESH_MARGIN_MS <= now && tokens.refreshToken) {
      try {
        tokens = await refreshTokens(await enabledProvider(ctx, strategy), tokens.refreshToken, now);
        await updateExternalAccount(ctx.store.db, row.id, { tokens_sealed: seal(JSON.stringify(tokens), ctx.encryptionKey, `external_account:${row.id}`), access_token_expires_at: tokens.expiresAt, updated_at: now });
      } catch (error) {
        ctx.logger.warn({ strategy, externalAccountId: row.id, reason: error instanceof Error ? error.message.slice(0, 200) : 'unknown' }, 'oauth token refresh failed');
      }
    }
    out.push({ externalAccountId: row.id, provider: strategy, providerUserId: row.provider_user_id, token: tokens.accessToken, scopes: row.approved_scopes.split(' ').filter(Boolean), expiresAt: tokens.expiresAt });
  }
  return out;
}

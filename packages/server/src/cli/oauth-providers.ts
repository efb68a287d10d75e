import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import type { DomainContext } from '../domain/context.js';
import { createOAuthProvider, deleteOAuthProvider, listOAuthProviders, updateOAuthProvider, type OAuthProvider, type ProviderInput } from '../domain/oauth/providers.js';
import type { Store } from '../store/db.js';
import { CliUsageError, runAsOperator } from './operator-command.js';

export const OAUTH_PROVIDERS_USAGE = `  oauth-providers list
  oauth-providers add --preset P [--key K] --client-id ID [--client-secret-env VAR] [--scopes A,B]
                      [--issuer URL] [--authorization-endpoint URL] [--token-endpoint URL]
                      [--userinfo-endpoint URL] [--name N] [--disabled]
  oauth-providers update <strategy> [same options] [--enable|--disable]
  oauth-providers remove <strategy>
                            Social sign-in providers, as the Backend API's /v1/oauth_providers.
                            P: google, microsoft, gitlab, apple, linkedin_oidc, github, discord, or
                            oidc (any OpenID provider by --issuer, strategy oauth_custom_<K>). The
                            client secret is read from the environment variable VAR, never from
                            the command line, and is never printed.`;

function describe(p: OAuthProvider): string {
  return [
    `${p.strategy}  ${p.enabled ? 'enabled' : 'disabled'}  (${p.name}, preset ${p.preset})`,
    `  client id:    ${p.clientId}${p.hasClientSecret ? '  (secret set)' : '  (no secret)'}`,
    `  scopes:       ${p.scopes.join(' ')}`,
    ...(p.issuer ? [`  issuer:       ${p.issuer}`] : []),
  ].join('\n');
}

async function run(ctx: DomainContext, args: string[], env: NodeJS.ProcessEnv, out: (text: string) => void): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      key: { type: 'string' },
      name: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-env': { type: 'string' },
      scopes: { type: 'string' },
      issuer: { type: 'string' },
      'authorization-endpoint': { type: 'string' },
      'token-endpoint': { type: 'string' },
      'userinfo-endpoint': { type: 'string' },
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
      disabled: { type: 'boolean' },
    },
  });
  const [action, strategy] = positionals;
  const secretVar = values['client-secret-env'];
  if (secretVar !== undefined && !env[secretVar]) throw new CliUsageError(`--client-secret-env names ${secretVar}, which is not set.`);
  if (values.enable && (values.disable || values.disabled)) throw new CliUsageError('Give --enable or --disable, not both.');
  const input: ProviderInput = {
    preset: values.preset,
    key: values.key,
    name: values.name,
    clientId: values['client-id'],
    clientSecret: secretVar !== undefined ? env[secretVar] : undefined,
    scopes: values.scopes?.split(','),
    issuer: values.issuer,
    authorizationEndpoint: values['authorization-endpoint'],
    tokenEndpoint: values['token-endpoint'],
    userinfoEndpoint: values['userinfo-endpoint'],
    enabled: values.enable ? true : values.disable || values.disabled ? false : undefined,
  };
  const needStrategy = () => {
    if (!strategy) throw new CliUsageError(`gatehouse oauth-providers ${action} needs a strategy (oauth_google, oauth_custom_<key>).`);
    return strategy;
  };
  switch (action) {
    case 'list': {
      const providers = await listOAuthProviders(ctx);
      if (providers.length === 0) out('No social providers.');
      for (const p of providers) out(describe(p));
      return;
    }
    case 'add':
      out(describe(await createOAuthProvider(ctx, input)));
      return;
    case 'update':
      out(describe(await updateOAuthProvider(ctx, needStrategy(), input)));
      return;
    case 'remove':
      await deleteOAuthProvider(ctx, needStrategy());
      out(`Removed ${strategy}.`);
      return;
    default:
      throw new CliUsageError(`Usage:\n${OAUTH_PROVIDERS_USAGE}`);
  }
}

/** `gatehouse oauth-providers …` on the store directly. */
export async function oauthProvidersCommand(config: Config, store: Store, args: string[], out: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await runAsOperator(config, store, (ctx) => run(ctx, args, env, out));
}

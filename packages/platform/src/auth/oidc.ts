// Optional OpenID Connect sign-in (authorization code + PKCE, state and nonce), configured per deployment.
// The ID token's `usernameClaim` (default email) names the Mamori user; users are not created on the fly.
import type * as OidcLib from 'openid-client';
import type { OidcConfig } from '@mamori/core';

export interface OidcClient {
  start(): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }>;
  /** Validates the callback and returns the user name claim. */
  finish(callbackUrl: string, kept: { state: string; nonce: string; codeVerifier: string }): Promise<string>;
}

export function createOidcClient(config: OidcConfig, publicUrl: string): OidcClient {
  const redirectUri = new URL('/api/v1/auth/oidc/callback', publicUrl).toString();
  let configuration: Promise<OidcLib.Configuration> | null = null;
  // Loaded on first use: deployments without OIDC never load the library.
  let lib: Promise<typeof OidcLib> | null = null;
  const load = (): Promise<typeof OidcLib> => (lib ??= import('openid-client'));
  const discover = (): Promise<OidcLib.Configuration> => {
    configuration ??= load()
      .then((oidc) =>
        oidc.discovery(
          new URL(config.issuer),
          config.clientId,
          { redirect_uris: [redirectUri], response_types: ['code'] },
          config.clientSecret ? oidc.ClientSecretPost(config.clientSecret) : oidc.None(),
          // Plain http is allowed only for an issuer on loopback (development and tests).
          /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(
            config.issuer.endsWith('/') ? config.issuer : `${config.issuer}/`,
          )
            ? { execute: [oidc.allowInsecureRequests] }
            : undefined,
        ),
      )
      .catch((err: unknown) => {
        configuration = null;
        throw err;
      });
    return configuration;
  };
  return {
    async start() {
      const oidc = await load();
      const c = await discover();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.toString(), state, nonce, codeVerifier };
    },
    async finish(callbackUrl, kept) {
      const oidc = await load();
      const c = await discover();
      const tokens = await oidc.authorizationCodeGrant(c, new URL(callbackUrl, publicUrl), {
        pkceCodeVerifier: kept.codeVerifier,
        expectedState: kept.state,
        expectedNonce: kept.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      const value = claims?.[config.usernameClaim];
      if (typeof value !== 'string' || value === '') {
        throw new Error(`ID token has no ${config.usernameClaim} claim`);
      }
      return value;
    },
  };
}

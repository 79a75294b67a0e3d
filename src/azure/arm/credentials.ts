// The one place that decides how we authenticate to ARM. A fixed ARM_TOKEN serves the emulator (or any ARM
// endpoint that hands out its own tokens); everything else goes through DefaultAzureCredential, which is
// `az login` on a laptop and the managed identity in Azure.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import type { AppConfig } from '../../config.js';

/** How long a fixed token claims to be valid. It never expires for us; the server decides whether it accepts it. */
const FIXED_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** A credential that always returns the same bearer token. The token is never logged or exposed by toString(). */
export class FixedTokenCredential implements TokenCredential {
  readonly #token: string;

  constructor(token: string) {
    if (token.trim().length === 0) throw new Error('ARM_TOKEN: must not be empty when set');
    this.#token = token.trim();
  }

  async getToken(): Promise<AccessToken> {
    return { token: this.#token, expiresOnTimestamp: Date.now() + FIXED_TOKEN_LIFETIME_MS, tokenType: 'Bearer' };
  }

  toString(): string {
    return 'FixedTokenCredential(ARM_TOKEN)';
  }

  toJSON(): string {
    return this.toString();
  }
}

/** ARM_TOKEN when set, else DefaultAzureCredential (pinned to a user-assigned identity when its client id is given). */
export function createArmCredential(arm: AppConfig['arm'], managedIdentityClientId?: string): TokenCredential {
  if (arm.token !== undefined) return new FixedTokenCredential(arm.token);
  return managedIdentityClientId ? new DefaultAzureCredential({ managedIdentityClientId }) : new DefaultAzureCredential();
}

// Bearer tokens. Nothing is verified: the token only says who the caller is, for events and throttling buckets.
import { guidFromText } from './random.js';

export interface EmulatorIdentity {
  appId: string;
  objectId: string;
  tenantId?: string;
}

export interface CallerIdentity {
  appId: string;
  objectId: string;
  tenantId: string;
}

/** The emulator's one tenant. */
export const EMULATOR_TENANT_ID = '5f0c8e2a-7d4b-4c1e-9a3f-1b2c3d4e5f60';

/** Who `RunningEmulator.token` speaks for (the product's own managed identity in tests and the demo). */
export const DEFAULT_IDENTITY: CallerIdentity = {
  appId: '7a1d9c52-3e4f-4b8a-9c0d-2e1f3a4b5c6d',
  objectId: 'b3e4f5a6-1c2d-4e3f-8a9b-0c1d2e3f4a5b',
  tenantId: EMULATOR_TENANT_ID,
};

const TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/** The audience of an Entra ID token for ARM, the default for tokens made here. */
export const ARM_AUDIENCE = 'https://management.azure.com/';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned JWT (`alg: none`) carrying `appid`, `oid` and `tid`, like an Entra ID access token for ARM (or `audience`). */
export function createToken(identity: EmulatorIdentity, audience: string = ARM_AUDIENCE): string {
  const issuedAt = Math.floor(Date.now() / 1000);
  const tenantId = identity.tenantId ?? EMULATOR_TENANT_ID;
  const header = { alg: 'none', typ: 'JWT' };
  const payload = {
    aud: audience,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + TOKEN_LIFETIME_SECONDS,
    appid: identity.appId,
    appidacr: '2',
    idtyp: 'app',
    oid: identity.objectId,
    sub: identity.objectId,
    tid: tenantId,
    ver: '1.0',
  };
  return `${base64url(header)}.${base64url(payload)}.`;
}

/** The `aud` claim of a JWT; undefined for a token that is not one. */
export function audienceOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const { aud } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: unknown };
    return typeof aud === 'string' ? aud : undefined;
  } catch {
    return undefined;
  }
}

function readClaims(token: string): CallerIdentity | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const { appid, oid, tid } = claims;
    if (typeof appid !== 'string' || typeof oid !== 'string') return undefined;
    return { appId: appid, objectId: oid, tenantId: typeof tid === 'string' ? tid : EMULATOR_TENANT_ID };
  } catch {
    return undefined;
  }
}

/** Reads the caller from a token; any other string becomes a stable identity derived from its hash. */
export function identityFromToken(token: string): CallerIdentity {
  return (
    readClaims(token) ?? {
      appId: guidFromText(`appid:${token}`),
      objectId: guidFromText(`oid:${token}`),
      tenantId: EMULATOR_TENANT_ID,
    }
  );
}

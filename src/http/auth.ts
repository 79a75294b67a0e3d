// Who is calling and what may they do. The Functions host has already checked the function key (authLevel
// "function"); when Entra ID is required, App Service authentication has validated the token and passes the
// caller in x-ms-client-principal, whose roles we check here.

export const PERMISSIONS = { read: 'Compliance.Read', remediate: 'Compliance.Remediate' } as const;
export type Permission = (typeof PERMISSIONS)[keyof typeof PERMISSIONS];

export interface ClientPrincipal {
  identityProvider: string;
  name?: string;
  objectId?: string;
  roles: string[];
}

interface RawClaim {
  typ?: unknown;
  val?: unknown;
}

const ROLE_CLAIMS = new Set(['roles', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role']);
const OBJECT_ID_CLAIMS = new Set(['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier']);
const NAME_CLAIMS = new Set(['name', 'preferred_username', 'appid', 'azp']);

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes App Service's x-ms-client-principal header (base64 JSON). Undefined when absent or malformed: not base64,
 * not JSON, not an object, or neither shape App Service authentication sends (`auth_typ` with a `claims` list of
 * objects, or the Static Web Apps `identityProvider` with a `userRoles` list). A malformed principal is 401 (who is
 * calling is unknown), never 403.
 */
export function parseClientPrincipal(header: string | null | undefined): ClientPrincipal | undefined {
  if (!header || !BASE64.test(header)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(raw)) return undefined;
  const provider = typeof raw.auth_typ === 'string' ? raw.auth_typ : typeof raw.identityProvider === 'string' ? raw.identityProvider : undefined;
  const claims = raw.claims;
  const userRoles = raw.userRoles;
  const claimsOk = Array.isArray(claims) && claims.every(isRecord);
  const userRolesOk = Array.isArray(userRoles) && userRoles.every((role) => typeof role === 'string');
  if (!provider || (claims !== undefined && !claimsOk) || (userRoles !== undefined && !userRolesOk) || (!claimsOk && !userRolesOk)) return undefined;
  const roleType = typeof raw.role_typ === 'string' ? raw.role_typ : undefined;
  const roles = new Set<string>();
  let name: string | undefined;
  let objectId: string | undefined;
  for (const claim of claimsOk ? (claims as RawClaim[]) : []) {
    if (typeof claim.typ !== 'string' || typeof claim.val !== 'string') continue;
    if (ROLE_CLAIMS.has(claim.typ) || claim.typ === roleType) roles.add(claim.val);
    if (OBJECT_ID_CLAIMS.has(claim.typ)) objectId = claim.val;
    if (!name && NAME_CLAIMS.has(claim.typ)) name = claim.val;
  }
  for (const role of userRolesOk ? (userRoles) : []) roles.add(role);
  if (!name && typeof raw.userDetails === 'string') name = raw.userDetails;
  return { identityProvider: provider, roles: [...roles], ...(name ? { name } : {}), ...(objectId ? { objectId } : {}) };
}

export type AuthDecision = { allowed: true; caller: string } | { allowed: false; status: 401 | 403; detail: string };

/**
 * With Entra ID off, a caller that got past the function key is trusted ("function-key").
 * With it on, the principal must carry the role for the permission; Compliance.Remediate implies read.
 */
export function authorize(principalHeader: string | null | undefined, permission: Permission, entraRequired: boolean): AuthDecision {
  if (!entraRequired) return { allowed: true, caller: 'function-key' };
  const principal = parseClientPrincipal(principalHeader);
  if (!principal) return { allowed: false, status: 401, detail: 'Entra ID authentication is required: no valid x-ms-client-principal was presented.' };
  const granted = principal.roles.includes(permission) || (permission === PERMISSIONS.read && principal.roles.includes(PERMISSIONS.remediate));
  const caller = principal.objectId ?? principal.name ?? 'unknown-principal';
  if (!granted) return { allowed: false, status: 403, detail: `The caller ${caller} lacks the app role ${permission}.` };
  return { allowed: true, caller: principal.name ? `${principal.name} (${caller})` : caller };
}

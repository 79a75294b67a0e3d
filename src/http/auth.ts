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

/** Decodes App Service's x-ms-client-principal header (base64 JSON). Undefined when absent or unreadable. */
export function parseClientPrincipal(header: string | null | undefined): ClientPrincipal | undefined {
  if (!header) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Record<string, unknown>;
  const claims = Array.isArray(record.claims) ? (record.claims as RawClaim[]) : [];
  const roleType = typeof record.role_typ === 'string' ? record.role_typ : undefined;
  const roles = new Set<string>();
  let name: string | undefined;
  let objectId: string | undefined;
  for (const claim of claims) {
    if (typeof claim.typ !== 'string' || typeof claim.val !== 'string') continue;
    if (ROLE_CLAIMS.has(claim.typ) || claim.typ === roleType) roles.add(claim.val);
    if (OBJECT_ID_CLAIMS.has(claim.typ)) objectId = claim.val;
    if (!name && NAME_CLAIMS.has(claim.typ)) name = claim.val;
  }
  if (Array.isArray(record.userRoles)) for (const role of record.userRoles) if (typeof role === 'string') roles.add(role);
  const provider = typeof record.auth_typ === 'string' ? record.auth_typ : typeof record.identityProvider === 'string' ? record.identityProvider : 'unknown';
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

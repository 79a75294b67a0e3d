// Between the core's REST-shaped plan (settings under `properties`, ARM's spelling) and the SDK models
// (flattened, a few acronyms re-cased). A planned change is reduced to the leaves it actually changes, and only
// those leaves are written into the model as read, so nothing the plan did not mean to touch can change.

type Json = Record<string, unknown>;

/** The REST property names the container service SDK spells differently in its flattened model. */
const CLUSTER_PROPERTY_NAMES: Record<string, string> = {
  enableRBAC: 'enableRbac',
  enableAzureRBAC: 'enableAzureRbac',
  enableFIPS: 'enableFips',
  enablePrivateClusterPublicFQDN: 'enablePrivateClusterPublicFqdn',
  enableVTPM: 'enableVtpm',
};

export function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/**
 * The leaves of `desired` that differ from `before`, as a merge patch. Keys missing from `desired` are not
 * removals (a planned body may leave out read-only or untouched fields); arrays are compared and replaced whole.
 */
export function changedLeaves(before: unknown, desired: Json): Json {
  const patch: Json = {};
  const base = isPlainObject(before) ? before : {};
  for (const [key, value] of Object.entries(desired)) {
    const old = base[key];
    if (isPlainObject(value) && isPlainObject(old)) {
      const inner = changedLeaves(old, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!deepEqual(old, value)) {
      patch[key] = structuredClone(value);
    }
  }
  return patch;
}

/**
 * Writes a JSON merge patch (RFC 7386) into a copy of `target`: objects merge, a `null` member deletes the member,
 * everything else (arrays included) replaces. Disabling pod identity relies on the deletes: the profile's identities
 * and exceptions are patched to null, so the PUT carries `podIdentityProfile` as exactly `{ enabled: false }`.
 */
export function applyMergePatch<T extends object>(target: T, patch: Json): T {
  const copy = structuredClone(target) as Json;
  mergeInto(copy, patch);
  return copy as T;
}

function mergeInto(target: Json, patch: Json): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (value === null) delete target[key];
    else if (isPlainObject(value) && isPlainObject(current)) mergeInto(current, value);
    else if (isPlainObject(value)) target[key] = withoutNulls(value);
    else target[key] = structuredClone(value);
  }
}

/** A patch member merged into nothing: RFC 7386 applies it to an empty object, so its nulls disappear. */
function withoutNulls(value: Json): Json {
  const copy: Json = {};
  mergeInto(copy, value);
  return copy;
}

/** A REST-shaped cluster patch in the flattened shape of the container service SDK's ManagedCluster model. */
export function clusterPatchToModel(restPatch: Json): Json {
  const { properties, ...top } = restPatch;
  const model: Json = { ...top };
  if (isPlainObject(properties)) Object.assign(model, properties);
  return renameKeys(model);
}

function renameKeys(value: Json): Json {
  const renamed: Json = {};
  for (const [key, inner] of Object.entries(value)) renamed[CLUSTER_PROPERTY_NAMES[key] ?? key] = isPlainObject(inner) ? renameKeys(inner) : inner;
  return renamed;
}

/** A REST-shaped extension body in the flattened shape of the kubernetes configuration SDK's Extension model. */
export function extensionBodyToModel(restBody: Json): Json {
  const { properties, ...top } = restBody;
  const model: Json = {};
  // identity and plan are writable siblings of properties; id/name/type/systemData are the service's to set.
  for (const key of ['identity', 'plan'] as const) if (top[key] !== undefined) model[key] = top[key];
  if (isPlainObject(properties)) Object.assign(model, properties);
  return model;
}

/** The writable, non-secret fields of an extension PATCH. Protected settings are left out so the service keeps them. */
export function extensionPatchFromRest(restBody: Json): Json {
  const properties = isPlainObject(restBody.properties) ? restBody.properties : restBody;
  const patch: Json = {};
  for (const key of ['autoUpgradeMinorVersion', 'releaseTrain', 'version', 'configurationSettings'] as const) {
    if (properties[key] !== undefined) patch[key] = properties[key];
  }
  return patch;
}

// Applies a plan's changes to a snapshot the way ARM would, without ARM: the property tests use it ("fixing what the
// plan says leaves nothing NonCompliant"). Every step given is applied, whatever its mode. A test helper: nothing in
// src/ applies plans to snapshots (the emulator models ARM itself).
import { EXTENSION_NAMESPACE, EXTENSION_TYPE, parseResourceId, sameResourceId } from '../../src/core/resource-ids.js';
import { cloneJson, deepMerge, isObject, type JsonObject } from '../../src/core/cluster-body.js';
import { MANUAL_ACTIONS } from '../../src/core/extension-types/index.js';
import { parseCluster, parseExtensions } from '../../src/core/snapshot.js';
import type { ClusterSnapshot, ExtensionSnapshot, PlanStep } from '../../src/core/types.js';

function extensionNameOf(path: string): string | undefined {
  const parts = parseResourceId(path);
  const last = parts.resources[parts.resources.length - 1];
  return last && last.namespace.toLowerCase() === EXTENSION_NAMESPACE.toLowerCase() && last.type.toLowerCase() === EXTENSION_TYPE ? last.name : undefined;
}

/** The extension ARM would hold after a successful PUT: the body's spec, provisioned. */
function extensionFromPut(path: string, name: string, body: JsonObject): ExtensionSnapshot {
  const properties = isObject(body.properties) ? body.properties : {};
  const [extension] = parseExtensions([{ id: path, name, properties: { ...cloneJson(properties), provisioningState: 'Succeeded' } }]);
  if (!extension) throw new Error(`cannot build extension ${name} from its PUT body`);
  if (extension.version) extension.currentVersion = extension.version;
  return extension;
}

function applyPatch(extension: ExtensionSnapshot, body: JsonObject): ExtensionSnapshot {
  const patch = isObject(body.properties) ? body.properties : {};
  const next: ExtensionSnapshot = { ...extension, configurationSettings: { ...extension.configurationSettings } };
  if (typeof patch.releaseTrain === 'string') next.releaseTrain = patch.releaseTrain;
  if (typeof patch.version === 'string') next.version = next.currentVersion = patch.version;
  else if (patch.version === null) delete next.version;
  if (typeof patch.autoUpgradeMinorVersion === 'boolean') next.autoUpgradeMinorVersion = patch.autoUpgradeMinorVersion;
  if (isObject(patch.configurationSettings)) {
    for (const [key, value] of Object.entries(patch.configurationSettings)) if (typeof value === 'string') next.configurationSettings[key] = value;
  }
  next.provisioningState = 'Succeeded';
  return next;
}

/** A new snapshot with `steps` applied in order. Pure: the input is not changed. */
export function applyPlanToSnapshot(snapshot: ClusterSnapshot, steps: readonly PlanStep[]): ClusterSnapshot {
  let current: ClusterSnapshot = { ...snapshot, body: cloneJson(snapshot.body), extensions: snapshot.extensions.map((e) => ({ ...e })) };
  for (const step of steps) {
    // A person's step (a role assignment, a Trusted Access binding) changes nothing a snapshot holds.
    if ((MANUAL_ACTIONS as readonly string[]).includes(step.action)) continue;
    const { method, path, body } = step.change;
    if (sameResourceId(path, snapshot.id)) {
      // ARM keeps what it owns (ids, state, FQDNs) and takes the rest from the PUT.
      const merged = deepMerge(current.body, step.clusterPatch ?? body);
      current = { ...parseCluster(merged), extensions: current.extensions };
      continue;
    }
    const name = extensionNameOf(path);
    if (!name) throw new Error(`step ${step.id} targets ${path}, which is neither the cluster nor one of its extensions`);
    const index = current.extensions.findIndex((e) => e.name.toLowerCase() === name.toLowerCase());
    const extensions = [...current.extensions];
    if (method === 'PUT') {
      const installed = extensionFromPut(path, name, body);
      if (index >= 0) extensions[index] = installed;
      else extensions.push(installed);
    } else {
      const existing = extensions[index];
      if (!existing) throw new Error(`step ${step.id} patches extension ${name}, which the snapshot does not have`);
      extensions[index] = applyPatch(existing, body);
    }
    current = { ...current, extensions };
  }
  return current;
}

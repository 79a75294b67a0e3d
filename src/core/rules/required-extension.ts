// required-extension/<name>: the cluster runs the extension the baseline requires, healthy and configured as declared.
// Extensions are matched by type, not name (a Flux extension named flux-system satisfies "flux"), and a second
// instance of a type that is already there is never planned.
import { extensionId, normalizeLocation } from '../resource-ids.js';
import { REQUIRED_EXTENSION_RULE_PREFIX, type RequiredExtension } from '../baseline.js';
import { defaultScopeFor, sameExtensionType } from '../extension-types/index.js';
import type { JsonObject } from '../cluster-body.js';
import { provisioningPhase, type ProvisioningPhase } from '../states.js';
import type { ClusterSnapshot, ExtensionSnapshot, RuleResult } from '../types.js';
import { compareVersions, parseVersion, sameVersion } from '../versions.js';
import { outcome, type Remediation, type RuleOutcome } from './rule.js';

export function requiredExtensionRuleId(spec: Pick<RequiredExtension, 'name'>): string {
  return `${REQUIRED_EXTENSION_RULE_PREFIX}${spec.name}`;
}

/** ARM's default release train when an extension reports none. */
const DEFAULT_RELEASE_TRAIN = 'Stable';

interface Drift {
  reason: 'ReleaseTrainMismatch' | 'VersionMismatch' | 'AutoUpgradeMismatch' | 'ConfigurationSettingsMismatch';
  text: string;
}

interface Diff {
  drifts: Drift[];
  expected: JsonObject;
  observed: JsonObject;
  /** The PATCH `properties` that fix every drift. */
  patch: JsonObject;
}

function diffExtension(spec: RequiredExtension, ext: ExtensionSnapshot): Diff {
  const diff: Diff = { drifts: [], expected: {}, observed: {}, patch: {} };
  if (spec.releaseTrain !== undefined) {
    const actual = ext.releaseTrain ?? DEFAULT_RELEASE_TRAIN;
    if (actual.toLowerCase() !== spec.releaseTrain.toLowerCase()) {
      diff.drifts.push({ reason: 'ReleaseTrainMismatch', text: `release train is ${actual}, not ${spec.releaseTrain}` });
      diff.expected.releaseTrain = spec.releaseTrain;
      diff.observed.releaseTrain = ext.releaseTrain ?? null;
      diff.patch.releaseTrain = spec.releaseTrain;
    }
  }
  if (spec.version !== undefined) {
    const actual = ext.version ?? ext.currentVersion;
    if (actual === undefined || !sameVersion(actual, spec.version)) {
      diff.drifts.push({ reason: 'VersionMismatch', text: `version is ${actual ?? 'unknown'}, not the pinned ${spec.version}` });
      diff.expected.version = spec.version;
      diff.observed.version = actual ?? null;
      diff.patch.version = spec.version;
    }
  }
  if (spec.autoUpgradeMinorVersion !== undefined) {
    const actual = ext.autoUpgradeMinorVersion ?? true;
    if (actual !== spec.autoUpgradeMinorVersion) {
      diff.drifts.push({ reason: 'AutoUpgradeMismatch', text: `autoUpgradeMinorVersion is ${String(actual)}, not ${String(spec.autoUpgradeMinorVersion)}` });
      diff.expected.autoUpgradeMinorVersion = spec.autoUpgradeMinorVersion;
      diff.observed.autoUpgradeMinorVersion = ext.autoUpgradeMinorVersion ?? null;
      diff.patch.autoUpgradeMinorVersion = spec.autoUpgradeMinorVersion;
      // ARM refuses a pinned version with minor-version auto-upgrade on: turning it on also unpins.
      if (spec.autoUpgradeMinorVersion && spec.version === undefined && ext.version !== undefined) diff.patch.version = null;
    }
  }
  const wrongSettings = Object.entries(spec.configurationSettings).filter(([key, value]) => ext.configurationSettings[key] !== value);
  if (wrongSettings.length > 0) {
    const keys = wrongSettings.map(([key]) => key);
    diff.drifts.push({ reason: 'ConfigurationSettingsMismatch', text: `configuration settings differ: ${keys.join(', ')}` });
    diff.expected.configurationSettings = Object.fromEntries(wrongSettings);
    diff.observed.configurationSettings = Object.fromEntries(keys.map((key) => [key, ext.configurationSettings[key] ?? null]));
    diff.patch.configurationSettings = Object.fromEntries(wrongSettings);
  }
  return diff;
}

const PHASE_RANK: Record<Exclude<ProvisioningPhase, 'succeeded'>, number> = { 'in-progress': 2, failed: 3, unknown: 4 };

/** Lower is better: a healthy matching instance, then healthy, then in progress, then failed, then unknown. */
function rank(spec: RequiredExtension, ext: ExtensionSnapshot): number {
  const phase = provisioningPhase(ext.provisioningState);
  if (phase === 'succeeded') return diffExtension(spec, ext).drifts.length === 0 ? 0 : 1;
  return PHASE_RANK[phase];
}

function pickBest(spec: RequiredExtension, candidates: ExtensionSnapshot[]): ExtensionSnapshot | undefined {
  const sameName = (ext: ExtensionSnapshot) => (ext.name.toLowerCase() === spec.name.toLowerCase() ? 0 : 1);
  return [...candidates].sort((a, b) => rank(spec, a) - rank(spec, b) || sameName(a) - sameName(b) || a.name.localeCompare(b.name))[0];
}

/** The desired extension as a REST PUT body. Protected settings travel separately, as references. */
function desiredBody(spec: RequiredExtension, existing?: ExtensionSnapshot): JsonObject {
  const properties: JsonObject = {
    extensionType: existing?.extensionType ?? spec.extensionType,
    autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion ?? existing?.autoUpgradeMinorVersion ?? true,
  };
  const releaseTrain = spec.releaseTrain ?? existing?.releaseTrain;
  if (releaseTrain !== undefined) properties.releaseTrain = releaseTrain;
  const version = spec.version ?? (properties.autoUpgradeMinorVersion === false ? existing?.version : undefined);
  if (version !== undefined) properties.version = version;
  // An installed extension's scope cannot change; a repair keeps it. An install of a cataloged type that the baseline
  // gives no scope goes where the type's docs put it (ARM would otherwise pick the namespace from the extension's name).
  const scope = existing ? (existing.scope ?? spec.scope) : (spec.scope ?? defaultScopeFor(spec.extensionType));
  if (scope !== undefined) properties.scope = scope;
  // A repair keeps settings the baseline does not mention.
  properties.configurationSettings = { ...(existing?.configurationSettings ?? {}), ...spec.configurationSettings };
  return { properties };
}

function protectedRefs(spec: RequiredExtension): Pick<Remediation, 'protectedSettingRefs'> {
  return Object.keys(spec.protectedSettings).length > 0 ? { protectedSettingRefs: { ...spec.protectedSettings } } : {};
}

/** Checks one required extension against the snapshot. */
export function checkRequiredExtension(spec: RequiredExtension, snapshot: ClusterSnapshot): RuleOutcome {
  const ruleId = requiredExtensionRuleId(spec);
  const label = `${spec.name} (${spec.extensionType})`;
  const result = (fields: Omit<RuleResult, 'ruleId'>): RuleResult => ({ ruleId, ...fields });

  if (spec.regions && !spec.regions.includes(normalizeLocation(snapshot.location))) {
    return outcome(
      result({ status: 'NotApplicable', reason: 'RegionNotAllowed', message: `${label} is not offered in ${snapshot.location}; the baseline allows ${spec.regions.join(', ')}.`, expected: { regions: spec.regions }, observed: { location: snapshot.location } }),
    );
  }
  if (spec.minKubernetesVersion !== undefined) {
    const version = snapshot.kubernetesVersion;
    if (version === undefined || !parseVersion(version)) {
      return outcome(
        result({ status: 'Unknown', reason: 'KubernetesVersionUnknown', message: `${label} needs Kubernetes ${spec.minKubernetesVersion} or later, and the cluster's version is ${version === undefined ? 'not in the body' : `"${version}"`}.`, expected: { minKubernetesVersion: spec.minKubernetesVersion }, observed: { kubernetesVersion: version ?? null } }),
      );
    }
    if (compareVersions(version, spec.minKubernetesVersion) < 0) {
      return outcome(
        result({ status: 'NotApplicable', reason: 'KubernetesVersionTooLow', message: `${label} needs Kubernetes ${spec.minKubernetesVersion} or later; the cluster runs ${version}.`, expected: { minKubernetesVersion: spec.minKubernetesVersion }, observed: { kubernetesVersion: version } }),
      );
    }
  }

  const expectedType = { extensionType: spec.extensionType };
  const candidates = snapshot.extensions.filter((ext) => sameExtensionType(ext.extensionType, spec.extensionType));
  const ext = pickBest(spec, candidates);
  if (!ext) {
    const clash = snapshot.extensions.find((other) => other.name.toLowerCase() === spec.name.toLowerCase());
    if (clash) {
      return outcome(
        result({ status: 'NonCompliant', reason: 'ExtensionNameTaken', message: `${label} is missing, and its name is taken by an extension of type ${clash.extensionType}; rename one of them (nothing is planned).`, expected: expectedType, observed: { name: clash.name, extensionType: clash.extensionType } }),
      );
    }
    return outcome(
      result({ status: 'NonCompliant', reason: 'ExtensionMissing', message: `${label} is not installed.`, expected: expectedType, observed: null }),
      {
        action: 'install-extension',
        description: `Install ${label}.`,
        change: { method: 'PUT', path: extensionId(snapshot.id, spec.name), body: desiredBody(spec) },
        ...protectedRefs(spec),
      },
    );
  }

  const found = `${spec.extensionType} extension "${ext.name}"`;
  const state = ext.provisioningState ?? '';
  const phase = provisioningPhase(ext.provisioningState);
  const observedState = { name: ext.name, provisioningState: ext.provisioningState ?? null };
  if (phase === 'in-progress') {
    return outcome(result({ status: 'Unknown', reason: 'ExtensionProvisioningInProgress', message: `${found} is ${state}; checked again once ARM finishes.`, expected: { provisioningState: 'Succeeded' }, observed: observedState }));
  }
  if (phase === 'failed') {
    return outcome(
      result({ status: 'NonCompliant', reason: 'ExtensionFailed', message: `${found} is in provisioning state ${state} and needs repair.`, expected: { provisioningState: 'Succeeded' }, observed: observedState }),
      {
        action: 'repair-extension',
        description: `Repair ${found}: PUT the desired spec to the same name.`,
        change: { method: 'PUT', path: extensionId(snapshot.id, ext.name), body: desiredBody(spec, ext) },
        ...protectedRefs(spec),
      },
    );
  }
  if (phase === 'unknown') {
    return outcome(result({ status: 'Unknown', reason: 'ExtensionStateUnknown', message: `${found} reports provisioning state ${state ? `"${state}"` : '(none)'}.`, expected: { provisioningState: 'Succeeded' }, observed: observedState }));
  }

  const diff = diffExtension(spec, ext);
  const [first] = diff.drifts;
  if (!first) {
    return outcome(result({ status: 'Compliant', reason: 'ExtensionCompliant', message: `${found} is installed and matches the baseline.`, expected: expectedType, observed: { name: ext.name, extensionType: ext.extensionType } }));
  }
  return outcome(
    result({ status: 'NonCompliant', reason: first.reason, message: `${found}: ${diff.drifts.map((d) => d.text).join('; ')}.`, expected: diff.expected, observed: diff.observed }),
    {
      action: 'update-extension',
      description: `Update ${found}: ${Object.keys(diff.patch).join(', ')}.`,
      change: { method: 'PATCH', path: extensionId(snapshot.id, ext.name), body: { properties: diff.patch } },
    },
  );
}

// required-extension/<name>: the cluster runs the extension the baseline requires, healthy and configured as declared.
// Extensions are matched by type, not name (a Flux extension named flux-system satisfies "flux"), and a second
// instance of a type that is already there is never planned.
import { extensionId, normalizeLocation } from '../resource-ids.js';
import type { RequiredExtension } from '../baseline.js';
import { defaultScopeFor, EXTENSION_TYPES, sameExtensionType } from '../extension-types/index.js';
import type { JsonObject } from '../cluster-body.js';
import { provisioningPhase, type ProvisioningPhase } from '../states.js';
import type { ClusterSnapshot, ExtensionSnapshot, RuleResult } from '../types.js';
import { compareVersions, parseVersion, sameVersion } from '../versions.js';
import { defineRuleFamily, modeSchema, outcome, type Remediation, type RuleOutcome } from './rule.js';

export const REQUIRED_EXTENSION_RULE_PREFIX = 'required-extension/';

export function requiredExtensionRuleId(spec: Pick<RequiredExtension, 'name'>): string {
  return `${REQUIRED_EXTENSION_RULE_PREFIX}${spec.name}`;
}

const KUBERNETES_NAME = {
  type: 'string',
  pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  errorMessage: 'must be a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters)',
};

/** One entry of the baseline's `requiredExtensions`: the settings of one `required-extension/<name>` rule. */
const ENTRY_SCHEMA = {
  type: 'object',
  description: 'One required cluster extension, matched on the cluster by extensionType (case-insensitive), not by name.',
  additionalProperties: false,
  required: ['name', 'extensionType', 'mode'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$',
      errorMessage: 'must be an extension name: letters, digits, ".", "_" or "-", starting with a letter or digit',
      description: 'Name used when the extension has to be installed, and in the rule id required-extension/<name>.',
    },
    extensionType: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9./_-]*$',
      errorMessage: 'must be an extension type such as microsoft.flux',
      description: `The extension type, e.g. ${EXTENSION_TYPES.map((profile) => profile.extensionType).join(', ')}. Compared case-insensitively.`,
    },
    description: { type: 'string', description: 'Free text for people reading the baseline.' },
    mode: modeSchema('drift of this extension'),
    releaseTrain: {
      type: 'string',
      enum: ['Stable', 'Preview'],
      description: 'Release train the extension must follow. An extension that reports none is on Stable.',
    },
    version: {
      type: 'string',
      pattern: '^\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.+-]+)?$',
      errorMessage: 'must be a version such as 1.2.3',
      description: 'Pinned extension version. Needs "autoUpgradeMinorVersion": false.',
    },
    autoUpgradeMinorVersion: {
      type: 'boolean',
      description: 'Whether the extension must upgrade minor versions automatically. ARM defaults to true.',
    },
    configurationSettings: {
      type: 'object',
      description:
        'Settings that must be present with these values (other settings on the cluster are left alone). Values are stored as strings by ARM; numbers and booleans are converted.',
      propertyNames: { minLength: 1 },
      additionalProperties: {
        type: ['string', 'number', 'boolean'],
        errorMessage: 'must be a string, number or boolean',
      },
    },
    protectedSettings: {
      type: 'object',
      description:
        'Protected (secret) settings, by reference only: the name of an app setting or a Key Vault secret URI. A literal secret is rejected. Used when installing or repairing; ARM never returns their values, so they are not compared.',
      propertyNames: { minLength: 1 },
      additionalProperties: {
        type: 'object',
        description: 'Where the value comes from: {"appSetting": "NAME"} or {"keyVaultSecretUri": "https://<vault>.vault.azure.net/secrets/<name>"}.',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        errorMessage:
          'must be a reference, {"appSetting": "NAME"} or {"keyVaultSecretUri": "https://<vault>.vault.azure.net/secrets/<name>"}; a literal secret is not allowed in a baseline',
        properties: {
          appSetting: {
            type: 'string',
            pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$',
            errorMessage: 'must be the name of an app setting (letters, digits, "_", ".", ":" or "-")',
            description: 'Name of the Function App setting that holds the value (it may itself be a Key Vault reference).',
          },
          keyVaultSecretUri: {
            type: 'string',
            pattern:
              '^https://[A-Za-z0-9-]{3,24}\\.vault\\.(azure\\.net|azure\\.cn|usgovcloudapi\\.net|microsoftazure\\.de)/secrets/[A-Za-z0-9-]{1,127}(/[0-9a-fA-F]{32})?/?$',
            errorMessage: 'must be a Key Vault secret URI: https://<vault>.vault.azure.net/secrets/<name>[/<version>]',
            description: 'Key Vault secret URI, with or without a version.',
          },
        },
      },
    },
    scope: {
      type: 'object',
      description: 'Where the extension is installed: cluster-wide (with a release namespace) or in one namespace. Used when installing; ARM cannot change it later.',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      errorMessage: 'must be {"cluster": {"releaseNamespace": "..."}} or {"namespace": {"targetNamespace": "..."}}',
      properties: {
        cluster: {
          type: 'object',
          description: 'Cluster-wide installation.',
          additionalProperties: false,
          properties: { releaseNamespace: { ...KUBERNETES_NAME, description: 'Namespace the extension is released into.' } },
        },
        namespace: {
          type: 'object',
          description: 'Installation scoped to one namespace.',
          additionalProperties: false,
          properties: { targetNamespace: { ...KUBERNETES_NAME, description: 'Namespace the extension is installed in.' } },
        },
      },
    },
    minKubernetesVersion: {
      type: 'string',
      pattern: '^\\d+\\.\\d+(\\.\\d+)?$',
      errorMessage: 'must be a Kubernetes version such as 1.28 or 1.28.5',
      description: 'Clusters below this Kubernetes version are NotApplicable for this extension (nothing is planned).',
    },
    regions: {
      type: 'array',
      minItems: 1,
      description: 'ARM locations where the extension is available ("East US" or "eastus"). Clusters elsewhere are NotApplicable.',
      items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9 ]*$', errorMessage: 'must be an ARM location such as eastus' },
    },
  },
};

/** Extensions need a managed identity: every extension write waits for the cluster's switch to one. */
const AFTER_MANAGED_IDENTITY = ['enable-managed-identity'];

export const requiredExtensionRule = defineRuleFamily({
  idPattern: `${REQUIRED_EXTENSION_RULE_PREFIX}<name>`,
  key: 'requiredExtensions',
  title: 'an extension of the entry\'s `extensionType` is installed and `Succeeded`, and its release train, version and settings match.',
  list: { type: 'array', description: 'Cluster extensions every cluster must run. Each entry is checked by rule required-extension/<name>.' },
  settings: ENTRY_SCHEMA,
  actions: [
    {
      name: 'install-extension',
      target: 'extension',
      after: AFTER_MANAGED_IDENTITY,
      description:
        '`PUT <clusterId>/providers/Microsoft.KubernetesConfiguration/extensions/<name>` with `extensionType`, `autoUpgradeMinorVersion`, `releaseTrain`, `version`, `scope`, `configurationSettings`.',
    },
    {
      name: 'repair-extension',
      target: 'extension',
      after: AFTER_MANAGED_IDENTITY,
      description: "`PUT` of the desired spec to the failed extension's own name (keeping its type, scope and other settings).",
    },
    { name: 'update-extension', target: 'extension', after: AFTER_MANAGED_IDENTITY, description: '`PATCH` of the fields that differ only.' },
  ],
  ruleId: (entry: RequiredExtension) => requiredExtensionRuleId(entry),
  check: (snapshot, entry: RequiredExtension) => checkRequiredExtension(entry, snapshot),
});

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
function checkRequiredExtension(spec: RequiredExtension, snapshot: ClusterSnapshot): RuleOutcome<'install-extension' | 'repair-extension' | 'update-extension'> {
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

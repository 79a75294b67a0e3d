// required-extension/<name>: the cluster runs the extension the baseline requires, healthy and configured as declared.
// Extensions are matched by type, not name (a Flux extension named flux-system satisfies "flux"), and a second
// instance of a type that is already there is never planned.
import { extensionId, NAME_RULES, normalizeLocation, sameResourceId } from '../resource-ids.js';
import type { RequiredExtension } from '../baseline.js';
import { planCreate, planUpdate, enforcedSettings, type PlannedMissing } from '../extension-body.js';
import { EXTENSION_TYPES, extensionTypeFor, immutableSettingsAmong, profileFor, sameExtensionType, supersedingTypesOf, type DefaultProfile, type ExtensionTypeProfile, type ManualAction } from '../extension-types/index.js';
import type { JsonObject } from '../cluster-body.js';
import { resolveSettings } from '../placeholders.js';
import { provisioningPhase, type ProvisioningPhase } from '../states.js';
import type { BlockedBy, ClusterSnapshot, EvaluationFacts, ExtensionSnapshot, MarketplacePlan, RuleResult } from '../types.js';
import { compareVersions, parseVersion, sameVersion } from '../versions.js';
import { defineRuleFamily, modeSchema, outcome, stepId, type CheckContext, type Remediation, type RuleOutcome } from './rule.js';

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
      // ARM's naming rules live in resource-ids.ts; the schema publishes the same pattern.
      pattern: NAME_RULES.extension.pattern.source,
      errorMessage: `must be an extension name: ${NAME_RULES.extension.rule}`,
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
    plan: {
      type: 'object',
      description:
        'The Marketplace plan of a Marketplace extension, all three ids as the offer\'s "Usage Information + Support" page gives them. Sent when installing; an installed extension with another plan (or none) is drift, fixed by deleting and creating it again, since a PATCH cannot change a plan.',
      additionalProperties: false,
      required: ['name', 'product', 'publisher'],
      properties: {
        name: { type: 'string', minLength: 1, description: 'The plan id ("Plan ID").' },
        product: { type: 'string', minLength: 1, description: 'The offer id ("Product ID").' },
        publisher: { type: 'string', minLength: 1, description: 'The publisher id ("Publisher ID").' },
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

type ExtensionAction = 'install-extension' | 'repair-extension' | 'update-extension' | 'recreate-extension' | ManualAction;

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
        "`PUT <clusterId>/providers/Microsoft.KubernetesConfiguration/extensions/<name>` with what `az k8s-extension create` sends for the same inputs (the type's profile: `extensionType`, `autoUpgradeMinorVersion`, `releaseTrain`, `version`, `scope`, `configurationSettings` with the settings the CLI computes, and `plan` for a Marketplace extension); every protected setting the baseline declares. Blocked (`PrerequisiteMissing`) while a prerequisite of the type is missing.",
      disrupts: null,
    },
    {
      name: 'repair-extension',
      target: 'extension',
      after: AFTER_MANAGED_IDENTITY,
      description:
        "`PATCH` of the desired release train, version, auto-upgrade and settings to the failed extension's own name (a PATCH keeps its type, scope, plan and other settings), with what `az k8s-extension update` adds for the type. It carries every protected setting the baseline declares, or none when the baseline declares none (then ARM keeps the ones it has).",
      disrupts: null,
    },
    {
      name: 'update-extension',
      target: 'extension',
      after: AFTER_MANAGED_IDENTITY,
      description: "`PATCH` of the fields that differ only (never protected settings: ARM keeps them; never one-shot settings), with what `az k8s-extension update` adds for the type (Dapr's `hooks.applyCrds`).",
      disrupts: null,
    },
    {
      name: 'recreate-extension',
      target: 'extension',
      after: AFTER_MANAGED_IDENTITY,
      description:
        '`DELETE` of the extension, then, once it is gone, the `PUT` of an install to the same name: for a setting its type cannot change after creation (Dapr `global.ha.*`, `dapr_placement.*`) or a different Marketplace plan. Runs only in `approval` mode, once approved.',
      // AKS docs deploy-extensions-az-cli.md: a delete removes the Azure resource at once and the Helm release when the
      // agents get it; deploy-marketplace.md: deleting the extension removes its purchased plan; dapr.md: CRDs stay.
      disrupts: "Deletes the extension and its workloads on the cluster until the create finishes; a Marketplace extension's purchased plan goes with it (the create sends the plan again). Protected settings the baseline does not declare are not restored.",
    },
    {
      name: 'manual-role-assignment',
      target: 'manual',
      after: AFTER_MANAGED_IDENTITY,
      description:
        "Never sent: a role assignment the app's role cannot make (`az role assignment create`), planned with an install that needs it (Azure Backup: Storage Blob Data Contributor for the extension's identity on the storage account; Container Storage with Elastic SAN: Azure Container Storage Operator for the kubelet identity). Always blocked `PrerequisiteMissing`, with the command for a person.",
      disrupts: null,
    },
    {
      name: 'manual-trusted-access',
      target: 'manual',
      after: AFTER_MANAGED_IDENTITY,
      description:
        "Never sent: a Trusted Access role binding the app's role cannot create (`az aks trustedaccess rolebinding create`), planned with an Azure Backup install (the Backup vault's backup-operator role on the cluster). Always blocked `PrerequisiteMissing`, with the command for a person.",
      disrupts: null,
    },
  ],
  ruleId: (entry: RequiredExtension) => requiredExtensionRuleId(entry),
  check: (snapshot, entry: RequiredExtension, context) => checkRequiredExtension(entry, snapshot, context),
});

/** ARM's default release train when an extension reports none. */
const DEFAULT_RELEASE_TRAIN = 'Stable';

type Profile = ExtensionTypeProfile | DefaultProfile;

interface Drift {
  reason: 'ReleaseTrainMismatch' | 'VersionMismatch' | 'AutoUpgradeMismatch' | 'ConfigurationSettingsMismatch' | 'PlanMismatch';
  text: string;
}

interface Diff {
  drifts: Drift[];
  expected: JsonObject;
  observed: JsonObject;
  /** The PATCH `properties` that fix every drift a PATCH can fix. */
  patch: JsonObject;
  /** Drifted settings that the type cannot change after creation (its profile's `immutableSettings`). */
  immutableSettings: string[];
  /** The Marketplace plan differs: a PATCH cannot change it. */
  planDiffers: boolean;
}

/** Plans compare case-insensitively: a false difference would cost a recreate. */
function samePlan(a: MarketplacePlan, b: MarketplacePlan | undefined): boolean {
  return b !== undefined && (['name', 'product', 'publisher'] as const).every((key) => a[key].toLowerCase() === b[key].toLowerCase());
}

function diffExtension(spec: RequiredExtension, ext: ExtensionSnapshot, profile: Profile): Diff {
  const diff: Diff = { drifts: [], expected: {}, observed: {}, patch: {}, immutableSettings: [], planDiffers: false };
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
  // One-shot settings (Container Storage v1's global.cli.*) are sent on install and never compared.
  const wrongSettings = Object.entries(enforcedSettings(profile, spec.configurationSettings)).filter(([key, value]) => ext.configurationSettings[key] !== value);
  if (wrongSettings.length > 0) {
    const keys = wrongSettings.map(([key]) => key);
    diff.immutableSettings = immutableSettingsAmong(ext.extensionType, keys);
    const fixedOnlyByRecreate = diff.immutableSettings.length > 0 ? ` (${diff.immutableSettings.join(', ')} cannot change after creation)` : '';
    diff.drifts.push({ reason: 'ConfigurationSettingsMismatch', text: `configuration settings differ: ${keys.join(', ')}${fixedOnlyByRecreate}` });
    diff.expected.configurationSettings = Object.fromEntries(wrongSettings);
    diff.observed.configurationSettings = Object.fromEntries(keys.map((key) => [key, ext.configurationSettings[key] ?? null]));
    diff.patch.configurationSettings = Object.fromEntries(wrongSettings);
  }
  if (spec.plan && !samePlan(spec.plan, ext.plan)) {
    const observed = ext.plan ? `${ext.plan.publisher}/${ext.plan.product}/${ext.plan.name}` : 'none';
    diff.drifts.push({ reason: 'PlanMismatch', text: `Marketplace plan is ${observed}, not ${spec.plan.publisher}/${spec.plan.product}/${spec.plan.name}` });
    diff.expected.plan = { ...spec.plan };
    diff.observed.plan = ext.plan ? { ...ext.plan } : null;
    diff.planDiffers = true;
  }
  return diff;
}

/** A PATCH cannot fix it: the extension must be deleted and created again. */
const needsRecreate = (diff: Diff): boolean => diff.immutableSettings.length > 0 || diff.planDiffers;

const PHASE_RANK: Record<Exclude<ProvisioningPhase, 'succeeded'>, number> = { 'in-progress': 2, failed: 3, unknown: 4 };

/** Lower is better: a healthy matching instance, then healthy, then in progress, then failed, then unknown. */
function rank(spec: RequiredExtension, ext: ExtensionSnapshot, profile: Profile): number {
  const phase = provisioningPhase(ext.provisioningState);
  if (phase === 'succeeded') return diffExtension(spec, ext, profile).drifts.length === 0 ? 0 : 1;
  return PHASE_RANK[phase];
}

function pickBest(spec: RequiredExtension, candidates: ExtensionSnapshot[], profile: Profile): ExtensionSnapshot | undefined {
  const sameName = (ext: ExtensionSnapshot) => (ext.name.toLowerCase() === spec.name.toLowerCase() ? 0 : 1);
  return [...candidates].sort((a, b) => rank(spec, a, profile) - rank(spec, b, profile) || sameName(a) - sameName(b) || a.name.localeCompare(b.name))[0];
}

/**
 * The repair of a failed extension, as a PATCH (`patchExtension`): a PATCH keeps what it does not name (type, scope,
 * plan, the settings the baseline does not mention, and the protected settings when it carries none), where a PUT
 * would replace the whole extension and lose every protected setting it did not carry. One-shot settings are left out.
 */
function repairPatch(spec: RequiredExtension, ext: ExtensionSnapshot, profile: Profile): JsonObject {
  const autoUpgradeMinorVersion = spec.autoUpgradeMinorVersion ?? ext.autoUpgradeMinorVersion ?? true;
  const releaseTrain = spec.releaseTrain ?? ext.releaseTrain;
  const version = spec.version ?? (autoUpgradeMinorVersion === false ? ext.version : undefined);
  const patch: JsonObject = {
    autoUpgradeMinorVersion,
    ...(releaseTrain !== undefined ? { releaseTrain } : {}),
    // null unpins (auto-upgrade on); an extension that reports no version has nothing to unpin.
    ...(version !== undefined || ext.version !== undefined ? { version: version ?? null } : {}),
    configurationSettings: enforcedSettings(profile, { ...ext.configurationSettings, ...spec.configurationSettings }),
  };
  return patch;
}

function protectedRefs(spec: RequiredExtension): Pick<Remediation, 'protectedSettingRefs'> {
  return Object.keys(spec.protectedSettings).length > 0 ? { protectedSettingRefs: { ...spec.protectedSettings } } : {};
}

/** What a planned create or update adds to a remediation: what blocks it and what was not checked. */
function prerequisitesOf(planned: { missing: PlannedMissing[]; unchecked: string[] }): Pick<Remediation, 'missingPrerequisites' | 'unchecked'> {
  return { ...(planned.missing.length > 0 ? { missingPrerequisites: planned.missing } : {}), ...(planned.unchecked.length > 0 ? { unchecked: planned.unchecked } : {}) };
}

/** AKS manages it: `managedBy` is the cluster, or `managementDetails.category` is `managed` (users may only read it). */
function aksManagement(ext: ExtensionSnapshot, snapshot: ClusterSnapshot): string | undefined {
  if (ext.managedBy !== undefined && sameResourceId(ext.managedBy, snapshot.id)) return 'its managedBy is the cluster';
  if (ext.managementDetails?.category?.toLowerCase() === 'managed') return 'its managementDetails.category is "managed"';
  return undefined;
}

function managedByAks(found: string, evidence: string, ruleId: string): BlockedBy {
  return {
    reason: 'ManagedByAks',
    message: `${found} is managed by AKS (${evidence}): only Microsoft.ContainerService may change it, users may only read it. Change it through the AKS feature or cluster setting that installed it, or exempt rule ${ruleId} for this cluster.`,
  };
}

/** What the recreate of `ext` deletes, for the people approving it. */
function recreateDisruption(spec: RequiredExtension, ext: ExtensionSnapshot): string {
  const parts = [`Deletes extension "${ext.name}" (${ext.extensionType}) and creates it again: its workloads are gone from the cluster until the create finishes`];
  const onDelete = extensionTypeFor(ext.extensionType)?.onDelete;
  if (onDelete) parts.push(onDelete);
  if (ext.plan) parts.push(`its purchased Marketplace plan ${ext.plan.name} is removed with it, and the create sends ${spec.plan ? 'the baseline\'s plan' : 'it'} again`);
  const declared = Object.keys(spec.protectedSettings);
  parts.push(declared.length > 0 ? `protected settings are sent again from the baseline's references (${declared.join(', ')}); any others are not restored` : 'protected settings it has are not restored (the baseline declares none)');
  return `${parts.join('; ')}.`;
}

interface Checking {
  spec: RequiredExtension;
  snapshot: ClusterSnapshot;
  facts: EvaluationFacts;
  profile: Profile;
  label: string;
  result: (fields: Omit<RuleResult, 'ruleId'>) => RuleResult;
}

function recreate(checking: Checking, ext: ExtensionSnapshot, diff: Diff, found: string): Remediation<ExtensionAction> {
  const { spec, snapshot, facts, profile } = checking;
  const ruleId = requiredExtensionRuleId(spec);
  const why = [
    ...(diff.immutableSettings.length > 0 ? [`settings ${diff.immutableSettings.join(', ')} cannot change after creation`] : []),
    ...(diff.planDiffers ? ['a Marketplace plan cannot change after creation (a PATCH carries no plan)'] : []),
  ].join('; ');
  const planned = planCreate(profile, spec, { snapshot, facts, existing: ext });
  const remediation: Remediation<ExtensionAction> = {
    action: 'recreate-extension',
    description: `Recreate ${found}: delete it, then create it again with the baseline's spec (${why}).`,
    change: { method: 'PUT', path: extensionId(snapshot.id, ext.name), body: planned.body, recreate: { deleteFirst: true } },
    ...protectedRefs(spec),
    ...prerequisitesOf(planned),
    disrupts: recreateDisruption(spec, ext),
  };
  // Deleting a running extension is never automatic: a person approves each recreate.
  if (spec.mode !== 'approval') {
    remediation.blockedBy = {
      reason: 'ImmutableSetting',
      message: `${found} can only be fixed by deleting and creating it again (${why}), which runs only with approval. Set "mode": "approval" on required extension "${spec.name}" in the baseline, then approve step ${stepId(ruleId, 'recreate-extension')}.`,
    };
  }
  return remediation;
}

/** The entry with its placeholders filled in for the cluster, and the settings that had one (key -> value). */
function forCluster(spec: RequiredExtension, snapshot: ClusterSnapshot): { spec: RequiredExtension; perCluster: Record<string, string> } {
  const { settings, resolved } = resolveSettings(spec.configurationSettings, snapshot);
  return { spec: { ...spec, configurationSettings: settings }, perCluster: resolved };
}

/** Checks one required extension against the snapshot; an AKS-managed extension's fix is planned but blocked. */
function checkRequiredExtension(entry: RequiredExtension, snapshot: ClusterSnapshot, context: CheckContext): RuleOutcome<ExtensionAction> {
  const { spec, perCluster } = forCluster(entry, snapshot);
  const checking: Checking = {
    spec,
    snapshot,
    facts: context.facts,
    profile: profileFor(spec.extensionType),
    label: `${spec.name} (${spec.extensionType})`,
    result: (fields) => ({ ruleId: requiredExtensionRuleId(spec), ...fields }),
  };
  const checked = checkExtension(checking, perCluster);
  const { remediation } = checked;
  const path = remediation?.change?.path;
  const target = path === undefined ? undefined : snapshot.extensions.find((ext) => sameResourceId(ext.id, path));
  const evidence = target ? aksManagement(target, snapshot) : undefined;
  if (!remediation || !target || evidence === undefined) return checked;
  const found = `${target.extensionType} extension "${target.name}"`;
  return outcome(checked.result, { ...remediation, blockedBy: managedByAks(found, evidence, requiredExtensionRuleId(spec)) });
}

/** A requirement met by an installed type that supersedes it (Azure Container Storage v2 for v1). */
function checkSuperseding({ spec, snapshot, label, result }: Checking): RuleOutcome<ExtensionAction> | undefined {
  const types = supersedingTypesOf(spec.extensionType);
  const instances = snapshot.extensions.filter((ext) => types.some((profile) => sameExtensionType(profile.extensionType, ext.extensionType)));
  const ext = [...instances].sort((a, b) => phaseRank(a) - phaseRank(b) || a.name.localeCompare(b.name))[0];
  if (!ext) return undefined;
  const found = `${ext.extensionType} extension "${ext.name}"`;
  const observed = { name: ext.name, extensionType: ext.extensionType, provisioningState: ext.provisioningState ?? null };
  const expected = { extensionType: spec.extensionType };
  const phase = provisioningPhase(ext.provisioningState);
  if (phase === 'succeeded') {
    return outcome(result({ status: 'Compliant', reason: 'SatisfiedBySupersedingType', message: `${label} is satisfied by ${found}, which supersedes it; ${spec.extensionType} is not installed beside it.`, expected, observed }));
  }
  const state = ext.provisioningState ? `"${ext.provisioningState}"` : '(none)';
  const [status, reason] = phase === 'in-progress' ? (['Unknown', 'ExtensionProvisioningInProgress'] as const) : phase === 'failed' ? (['NonCompliant', 'ExtensionFailed'] as const) : (['Unknown', 'ExtensionStateUnknown'] as const);
  return outcome(
    result({ status, reason, message: `${label} would be satisfied by ${found}, which supersedes it, but it reports provisioning state ${state}; nothing is planned (the baseline describes ${spec.extensionType}: require ${ext.extensionType} to have it repaired).`, expected, observed }),
  );
}

const phaseRank = (ext: ExtensionSnapshot): number => {
  const phase = provisioningPhase(ext.provisioningState);
  return phase === 'succeeded' ? 0 : PHASE_RANK[phase];
};

/** NotApplicable or Unknown when the cluster is below a minimum Kubernetes version (`source` says whose). */
function kubernetesApplicability({ snapshot, label, result }: Checking, minimum: string, source: string): RuleOutcome<ExtensionAction> | undefined {
  const version = snapshot.kubernetesVersion;
  if (version === undefined || !parseVersion(version)) {
    return outcome(
      result({ status: 'Unknown', reason: 'KubernetesVersionUnknown', message: `${label} needs Kubernetes ${minimum} or later (${source}), and the cluster's version is ${version === undefined ? 'not in the body' : `"${version}"`}.`, expected: { minKubernetesVersion: minimum }, observed: { kubernetesVersion: version ?? null } }),
    );
  }
  if (compareVersions(version, minimum) >= 0) return undefined;
  return outcome(result({ status: 'NotApplicable', reason: 'KubernetesVersionTooLow', message: `${label} needs Kubernetes ${minimum} or later (${source}); the cluster runs ${version}.`, expected: { minKubernetesVersion: minimum }, observed: { kubernetesVersion: version } }));
}

/**
 * Before an install: the type's published regions and minimum Kubernetes version (a baseline's `regions` and
 * `minKubernetesVersion` override them). An installed extension is judged wherever it runs: it is there.
 */
function profileApplicability(checking: Checking): RuleOutcome<ExtensionAction> | undefined {
  const { spec, snapshot, profile, label, result } = checking;
  const regions = profile.supportedRegions;
  if (spec.regions === undefined && regions && !regions.includes(normalizeLocation(snapshot.location))) {
    const name = 'displayName' in profile ? profile.displayName : spec.extensionType;
    return outcome(
      result({
        status: 'NotApplicable',
        reason: 'RegionNotOffered',
        message: `${label} is not offered on AKS in ${snapshot.location}: ${name} lists ${regions.length} regions (its docs, read ${profile.supportedRegionsAsOf ?? 'undated'}). Give "regions" in the baseline to override the list.`,
        expected: { regions: [...regions] },
        observed: { location: snapshot.location },
      }),
    );
  }
  const minimum = profile.minKubernetesVersion;
  if (spec.minKubernetesVersion === undefined && minimum !== undefined) return kubernetesApplicability(checking, minimum, `its docs, read ${profile.minKubernetesVersionAsOf ?? 'undated'}`);
  return undefined;
}

/** The install of a missing extension, with the person's steps that go with it. */
function install(checking: Checking, perCluster: Record<string, string>): RuleOutcome<ExtensionAction> {
  const { spec, snapshot, facts, profile, label, result } = checking;
  const planned = planCreate(profile, spec, { snapshot, facts });
  const values = Object.entries(perCluster).map(([key, value]) => `${key}=${value}`);
  const missing = result({
    status: 'NonCompliant',
    reason: 'ExtensionMissing',
    message: `${label} is not installed.${values.length > 0 ? ` Per-cluster values: ${values.join(', ')}.` : ''}`,
    expected: { extensionType: spec.extensionType, ...(values.length > 0 ? { configurationSettings: { ...perCluster } } : {}) },
    observed: null,
  });
  const manual = planned.manual.map(({ action, step }): Remediation<ExtensionAction> => ({
    action,
    description: step.description,
    change: step.change,
    missingPrerequisites: [{ id: action, message: step.message, fix: step.command }],
  }));
  return outcome(
    missing,
    {
      action: 'install-extension',
      description: `Install ${label}.`,
      change: { method: 'PUT', path: extensionId(snapshot.id, spec.name), body: planned.body },
      ...protectedRefs(spec),
      ...prerequisitesOf(planned),
    },
    manual,
  );
}

function checkExtension(checking: Checking, perCluster: Record<string, string>): RuleOutcome<ExtensionAction> {
  const { spec, snapshot, facts, profile, label, result } = checking;

  if (spec.regions && !spec.regions.includes(normalizeLocation(snapshot.location))) {
    return outcome(
      result({ status: 'NotApplicable', reason: 'RegionNotAllowed', message: `${label} is not offered in ${snapshot.location}; the baseline allows ${spec.regions.join(', ')}.`, expected: { regions: spec.regions }, observed: { location: snapshot.location } }),
    );
  }
  if (spec.minKubernetesVersion !== undefined) {
    const applicability = kubernetesApplicability(checking, spec.minKubernetesVersion, 'the baseline');
    if (applicability) return applicability;
  }

  const expectedType = { extensionType: spec.extensionType };
  const candidates = snapshot.extensions.filter((ext) => sameExtensionType(ext.extensionType, spec.extensionType));
  const ext = pickBest(spec, candidates, profile);
  if (!ext) {
    // A newer type that replaces this one is there: never install the old one beside it.
    const superseded = checkSuperseding(checking);
    if (superseded) return superseded;
    const clash = snapshot.extensions.find((other) => other.name.toLowerCase() === spec.name.toLowerCase());
    if (clash) {
      return outcome(
        result({ status: 'NonCompliant', reason: 'ExtensionNameTaken', message: `${label} is missing, and its name is taken by an extension of type ${clash.extensionType}; rename one of them (nothing is planned).`, expected: expectedType, observed: { name: clash.name, extensionType: clash.extensionType } }),
      );
    }
    return profileApplicability(checking) ?? install(checking, perCluster);
  }

  const found = `${spec.extensionType} extension "${ext.name}"`;
  const state = ext.provisioningState ?? '';
  const phase = provisioningPhase(ext.provisioningState);
  const observedState = { name: ext.name, provisioningState: ext.provisioningState ?? null };
  const existing = { snapshot, facts, existing: ext };
  if (state.toLowerCase() === 'deleting') {
    // The delete cannot be taken back (a write meets 409 until it ends) and leaves the extension missing: that is
    // drift now. The install is planned by the evaluation after the delete, which the busy extension schedules.
    return outcome(result({ status: 'NonCompliant', reason: 'ExtensionBeingDeleted', message: `${found} is being deleted; it is installed again once ARM finishes the delete.`, expected: { provisioningState: 'Succeeded' }, observed: observedState }));
  }
  if (phase === 'in-progress') {
    return outcome(result({ status: 'Unknown', reason: 'ExtensionProvisioningInProgress', message: `${found} is ${state}; checked again once ARM finishes.`, expected: { provisioningState: 'Succeeded' }, observed: observedState }));
  }
  if (phase === 'failed') {
    const failed = result({ status: 'NonCompliant', reason: 'ExtensionFailed', message: `${found} is in provisioning state ${state} and needs repair.`, expected: { provisioningState: 'Succeeded' }, observed: observedState });
    // A failed extension whose plan or unchangeable settings differ cannot be repaired into shape: it is recreated.
    const diff = diffExtension(spec, ext, profile);
    if (needsRecreate(diff)) return outcome(failed, recreate(checking, ext, diff, found));
    const planned = planUpdate(profile, spec, existing, repairPatch(spec, ext, profile));
    return outcome(failed, {
      action: 'repair-extension',
      description: `Repair ${found}: PATCH the desired spec to the same name${Object.keys(spec.protectedSettings).length > 0 ? ', with every protected setting the baseline declares' : ' (its protected settings stay as they are)'}.`,
      change: { method: 'PATCH', path: extensionId(snapshot.id, ext.name), body: { properties: planned.patch } },
      ...protectedRefs(spec),
      ...prerequisitesOf(planned),
    });
  }
  if (phase === 'unknown') {
    return outcome(result({ status: 'Unknown', reason: 'ExtensionStateUnknown', message: `${found} reports provisioning state ${state ? `"${state}"` : '(none)'}.`, expected: { provisioningState: 'Succeeded' }, observed: observedState }));
  }

  const diff = diffExtension(spec, ext, profile);
  const [first] = diff.drifts;
  if (!first) {
    return outcome(result({ status: 'Compliant', reason: 'ExtensionCompliant', message: `${found} is installed and matches the baseline.`, expected: expectedType, observed: { name: ext.name, extensionType: ext.extensionType } }));
  }
  const drifted = result({ status: 'NonCompliant', reason: first.reason, message: `${found}: ${diff.drifts.map((d) => d.text).join('; ')}.`, expected: diff.expected, observed: diff.observed });
  if (needsRecreate(diff)) return outcome(drifted, recreate(checking, ext, diff, found));
  const planned = planUpdate(profile, spec, existing, diff.patch);
  return outcome(drifted, {
    action: 'update-extension',
    description: `Update ${found}: ${Object.keys(diff.patch).join(', ')}.`,
    change: { method: 'PATCH', path: extensionId(snapshot.id, ext.name), body: { properties: planned.patch } },
    ...prerequisitesOf(planned),
  });
}

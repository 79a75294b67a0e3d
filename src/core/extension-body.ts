// The requests an extension's profile implies: the PUT of an install (or of the create of a recreate) as the Azure CLI
// would send it for the same inputs, with the prerequisites checked first; and what the CLI adds to an update's PATCH.
// The baseline entry plays the CLI's arguments: its scope is --scope/--release-namespace, its settings --config, its
// protected settings --config-protected (sent by reference, see PlanStep.protectedSettingRefs). Pure.
import type { JsonObject } from './cluster-body.js';
import { matchesAnySettingPattern } from './extension-types/index.js';
import type { DefaultProfile, ExtensionTypeProfile, InstallContext, ManualAction, PlannedManualStep } from './extension-types/profile.js';
import type { EvaluationFacts, ExtensionScope, ExtensionSnapshot, MissingPrerequisite } from './types.js';
import type { RequiredExtension } from './baseline.js';
import { COMMON_PREREQUISITES } from './prerequisites.js';

type Profile = ExtensionTypeProfile | DefaultProfile;
export type PlannedMissing = MissingPrerequisite & { fixedByAction?: string };

export interface PlannedCreate {
  /** `{ properties, plan? }`: the PUT body. */
  body: JsonObject;
  /** What blocks it (the planner drops those a step of the same plan fixes). */
  missing: PlannedMissing[];
  /** Prerequisites not checked for want of a fact. */
  unchecked: string[];
  /** The settings the profile computed, key -> value, for the result to show. */
  computed: Record<string, string>;
  /** Grants a person makes with the install. */
  manual: { action: ManualAction; step: PlannedManualStep }[];
}

/** The scope of a create: a recreate keeps the extension's; else what the profile says the CLI sends. */
function createScope(profile: Profile, spec: RequiredExtension, existing: ExtensionSnapshot | undefined): ExtensionScope | undefined {
  if (existing) return existing.scope ?? spec.scope;
  if (!('defaultReleaseNamespace' in profile)) return spec.scope;
  const how = profile.createScope ?? (profile.scopes[0] === 'cluster' ? 'given-or-default' : 'as-given');
  if (how === 'as-given') return spec.scope;
  const byDefault = { cluster: { releaseNamespace: profile.defaultReleaseNamespace } };
  return how === 'always-default' ? byDefault : (spec.scope ?? byDefault);
}

/**
 * The create of `spec` on the cluster. `spec` has its placeholders filled in; `existing` is the extension a recreate
 * deletes first (its type, scope and other settings are kept).
 */
export function planCreate(profile: Profile, spec: RequiredExtension, context: { snapshot: InstallContext['snapshot']; facts: EvaluationFacts; existing?: ExtensionSnapshot }): PlannedCreate {
  const { existing } = context;
  // The CLI lower-cases the type it sends (k8s-extension custom.py); a recreate keeps the type as ARM reports it.
  const properties: JsonObject = {
    extensionType: existing?.extensionType ?? spec.extensionType.toLowerCase(),
    // The CLI leaves auto-upgrade out unless given (or forced: ACS, Backup), and ARM's default is true: this sends the
    // same value explicitly, so the request says what it asks for.
    autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion ?? existing?.autoUpgradeMinorVersion ?? true,
  };
  const releaseTrain = spec.releaseTrain ?? existing?.releaseTrain ?? profile.defaultReleaseTrain;
  if (releaseTrain !== undefined) properties.releaseTrain = releaseTrain;
  const version = spec.version ?? (properties.autoUpgradeMinorVersion === false ? existing?.version : undefined);
  if (version !== undefined) properties.version = version;
  const scope = createScope(profile, spec, existing);
  if (scope !== undefined) properties.scope = scope;

  // A recreate keeps settings the baseline does not mention.
  const given: Record<string, string> = { ...(existing?.configurationSettings ?? {}), ...spec.configurationSettings };
  const install: InstallContext = { snapshot: context.snapshot, facts: context.facts, spec, settings: given, ...(existing ? { existing } : {}) };
  const settings: Record<string, string> = { ...given };
  const computed: Record<string, string> = {};
  for (const setting of profile.computedSettings ?? []) {
    if (setting.when === 'default' && settings[setting.key] !== undefined) continue;
    const value = setting.compute(install, settings);
    if (value === undefined) continue;
    settings[setting.key] = value;
    computed[setting.key] = value;
  }
  properties.configurationSettings = settings;

  const missing: PlannedMissing[] = [];
  const unchecked: string[] = [];
  for (const prerequisite of profile.prerequisites ?? COMMON_PREREQUISITES) {
    const verdict = prerequisite.check(install);
    if (verdict.status === 'missing') missing.push({ id: prerequisite.id, message: verdict.message, fix: verdict.fix, ...(verdict.fixedByAction ? { fixedByAction: verdict.fixedByAction } : {}) });
    else if (verdict.status === 'unknown') unchecked.push(verdict.message);
  }
  const absent = (profile.requiredSettings ?? []).filter((key) => settings[key] === undefined || settings[key] === '');
  if (absent.length > 0) {
    const aliases = Object.entries(profile.settingAliases ?? {}).filter(([, key]) => absent.includes(key)).map(([alias]) => alias);
    missing.push({
      id: 'required-settings',
      message: `${spec.name} (${spec.extensionType}) needs configurationSettings ${absent.join(', ')} on create; the Azure CLI refuses the create without them.`,
      fix: `add ${aliases.length === absent.length ? aliases.join(', ') : absent.join(', ')} to required extension "${spec.name}" in the baseline`,
    });
  }
  if (!existing && spec.scope?.namespace && 'scopes' in profile && !profile.scopes.includes('namespace')) {
    missing.push({
      id: 'scope',
      message: `${profile.displayName} installs at cluster scope only, and the baseline asks for namespace scope (the Azure CLI refuses it; ARM answers 400).`,
      fix: `give "scope": {"cluster": {}} (or no scope) to required extension "${spec.name}" in the baseline`,
    });
  }
  for (const problem of profile.settingsProblems?.(given, Object.keys(spec.protectedSettings)) ?? []) {
    missing.push({ id: 'settings', message: problem.message, fix: problem.fix });
  }

  const manual = (profile.manualSteps ?? []).flatMap((definition) => {
    const step = definition.plan(install);
    return step ? [{ action: definition.action, step }] : [];
  });
  // A Marketplace extension is created with its plan (AKS docs deploy-extensions-az-cli.md; spec CreateExtensionWithPlan).
  const plan = spec.plan ?? existing?.plan;
  return { body: plan ? { plan: { ...plan }, properties } : { properties }, missing, unchecked, computed, manual };
}

export interface PlannedUpdate {
  /** The PATCH `properties`, with what the CLI adds. */
  patch: JsonObject;
  missing: PlannedMissing[];
  unchecked: string[];
}

/** What the CLI adds to a PATCH of this type (Dapr's hooks.applyCrds, Backup's storage keys and auto-upgrade). */
export function planUpdate(profile: Profile, spec: RequiredExtension, context: { snapshot: InstallContext['snapshot']; facts: EvaluationFacts; existing: ExtensionSnapshot }, patch: JsonObject): PlannedUpdate {
  const additions = profile.update?.({ ...context, spec, patch }) ?? {};
  const next: JsonObject = { ...patch };
  if (additions.autoUpgradeMinorVersion !== undefined) next.autoUpgradeMinorVersion = additions.autoUpgradeMinorVersion;
  if (additions.configurationSettings) next.configurationSettings = { ...((patch.configurationSettings ?? {}) as JsonObject), ...additions.configurationSettings };
  return { patch: next, missing: additions.missing ?? [], unchecked: additions.unchecked ?? [] };
}

/** The settings of `settings` a profile compares and PATCHes: all but its one-shot ones. */
export function enforcedSettings(profile: Profile, settings: Record<string, string>): Record<string, string> {
  const oneShot = profile.oneShotSettings;
  if (!oneShot || oneShot.length === 0) return settings;
  return Object.fromEntries(Object.entries(settings).filter(([key]) => !matchesAnySettingPattern(key, oneShot)));
}

// What a baseline entry's extension profile says about it before anything is evaluated: problems that make the
// document wrong (errors: an unknown placeholder, a CLI alias given beside its real key, a setting the CLI always
// computes) and warnings that `baseline validate` prints without failing (a one-shot or client-side setting, a key
// the type does not read, settings the CLI would refuse so the install will be blocked, a scope or name the CLI
// would not use). Both name the entry's path. Pure.
import { isObject } from './cluster-body.js';
import { extensionTypeFor, matchesAnySettingPattern, realSettingKey } from './extension-types/index.js';
import type { ExtensionTypeProfile } from './extension-types/profile.js';
import { CLUSTER_PLACEHOLDERS, unknownPlaceholders } from './placeholders.js';
import type { RequiredExtension } from './baseline.js';

/** `configurationSettings["a.b"]` style path of one setting of entry `i`. */
function settingPath(i: number, key: string, field = 'configurationSettings'): string {
  return `requiredExtensions[${i}].${field}[${JSON.stringify(key)}]`;
}

const KNOWN = Object.keys(CLUSTER_PLACEHOLDERS).map((name) => `{${name}}`).join(', ');

/** Errors in entry `i` as written (it may also have failed the schema, so everything is read defensively). */
export function profileProblems(extension: Record<string, unknown>, i: number): string[] {
  const problems: string[] = [];
  const settings = isObject(extension.configurationSettings) ? extension.configurationSettings : {};
  for (const [key, value] of Object.entries(settings)) {
    if (typeof value !== 'string') continue;
    const unknown = unknownPlaceholders(value);
    if (unknown.length > 0) problems.push(`${settingPath(i, key)}: unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the known ones are ${KNOWN}`);
  }
  const profile = typeof extension.extensionType === 'string' ? extensionTypeFor(extension.extensionType) : undefined;
  if (!profile) return problems;
  const seen = new Map<string, string>();
  for (const key of Object.keys(settings)) {
    const real = realSettingKey(profile, key);
    const earlier = seen.get(real);
    if (earlier !== undefined) problems.push(`${settingPath(i, key)}: names ${real}, as ${JSON.stringify(earlier)} does already (${profile.displayName} takes the CLI's name or the key, once)`);
    else seen.set(real, key);
    const computed = profile.computedSettings?.find((setting) => setting.when === 'always' && setting.key === real);
    if (computed) problems.push(`${settingPath(i, key)}: is set by the Azure CLI on every ${profile.displayName} create (${computed.describe}); leave it out of the baseline`);
  }
  return problems;
}

const label = (entry: RequiredExtension, profile: ExtensionTypeProfile) => `${profile.displayName} ("${entry.name}")`;

/** Warnings about one normalised entry (its aliases already mapped to the real keys). */
function entryWarnings(entry: RequiredExtension, i: number, profile: ExtensionTypeProfile): string[] {
  const warnings: string[] = [];
  const at = `requiredExtensions[${i}]`;
  const keys = Object.keys(entry.configurationSettings);
  const protectedKeys = Object.keys(entry.protectedSettings);
  for (const key of keys) {
    if (matchesAnySettingPattern(key, profile.oneShotSettings)) {
      warnings.push(`${settingPath(i, key)}: is one-shot for ${profile.displayName}: sent on install only, never compared or PATCHed (the Azure CLI resets it after each install)`);
    } else if (profile.acceptedSettings && !profile.acceptedSettings.includes(key)) {
      warnings.push(`${settingPath(i, key)}: is not a setting ${profile.displayName} reads (the Azure CLI drops it); its settings are ${[...Object.keys(profile.settingAliases ?? {}), ...profile.acceptedSettings].join(', ')}`);
    }
  }
  for (const { key, instead } of profile.clientSideSettings ?? []) {
    const field = keys.includes(key) ? 'configurationSettings' : protectedKeys.includes(key) ? 'protectedSettings' : undefined;
    if (field) warnings.push(`${settingPath(i, key, field)}: is read by the Azure CLI on the user's machine and never reaches ${profile.displayName}; give ${instead}`);
  }
  const absent = (profile.requiredSettings ?? []).filter((key) => entry.configurationSettings[key] === undefined);
  if (absent.length > 0) warnings.push(`${at}.configurationSettings: ${label(entry, profile)} needs ${absent.join(', ')} on create; its install is blocked until the baseline gives them`);
  for (const problem of profile.settingsProblems?.(entry.configurationSettings, protectedKeys) ?? []) {
    warnings.push(`${at}.configurationSettings: ${problem.message} Its install is blocked until then: ${problem.fix}`);
  }
  if (entry.scope?.namespace && !profile.scopes.includes('namespace')) {
    warnings.push(`${at}.scope: ${label(entry, profile)} installs at cluster scope only (the Azure CLI refuses namespace scope; ARM answers 400); its install is blocked until the scope is cluster or left out`);
  }
  const namespace = entry.scope?.cluster?.releaseNamespace;
  if (profile.createScope === 'always-default' && namespace !== undefined && namespace !== profile.defaultReleaseNamespace) {
    warnings.push(`${at}.scope.cluster.releaseNamespace: ${label(entry, profile)} is always installed in ${profile.defaultReleaseNamespace} (the Azure CLI uses no other); "${namespace}" is not sent`);
  }
  if (profile.nameIsFixed && profile.defaultExtensionName !== undefined && entry.name !== profile.defaultExtensionName) {
    warnings.push(`${at}.name: the Azure CLI finds ${profile.displayName} by the name "${profile.defaultExtensionName}"; installed as "${entry.name}", later az aks updates of it fail`);
  }
  for (const [field, given] of [
    ['version', entry.version !== undefined],
    ['autoUpgradeMinorVersion', entry.autoUpgradeMinorVersion === false],
    ['protectedSettings', protectedKeys.length > 0],
  ] as const) {
    if (given && profile.cliIgnores?.includes(field)) warnings.push(`${at}.${field}: the Azure CLI ignores it for ${profile.displayName} (${profile.cliIgnoresWhy ?? 'see docs/extensions.md'}); the product sends it as the baseline gives it`);
  }
  return warnings;
}

/**
 * What `baseline validate` warns about in a valid baseline, one `path: message` each, for the cataloged types. An
 * install these name may be blocked or may differ from what the CLI would do; the baseline is still valid.
 */
export function baselineWarnings(baseline: Pick<{ requiredExtensions: RequiredExtension[] }, 'requiredExtensions'>): string[] {
  return baseline.requiredExtensions.flatMap((entry, i) => {
    const profile = extensionTypeFor(entry.extensionType);
    return profile ? entryWarnings(entry, i, profile) : [];
  });
}

// What the emulator knows about extension types: the core's profiles (src/core/extension-types, each fact with its
// source), the REST spec's Marketplace example, and any test types a caller adds (EmulatorOptions.extensionTypes).
import { PROFILED_EXTENSION_TYPES, type ExtensionTypeProfile, sameExtensionType } from '../src/core/extension-types/index.js';

/**
 * The Marketplace extension of the Extensions REST spec's examples (stable 2025-03-01 CreateExtensionWithPlan and
 * GetExtensionWithManagedBy: type `azure-vote`, plan `azure-vote-standard` from publisher `Microsoft`, version 0.1.4,
 * release namespace kube-system). Known to the emulator so that the plan rules can be exercised; not a product type.
 */
export const SPEC_MARKETPLACE_EXAMPLE: ExtensionTypeProfile = {
  key: 'azure-vote',
  displayName: 'Azure Vote (the REST spec Marketplace example)',
  extensionType: 'azure-vote',
  defaultReleaseNamespace: 'kube-system',
  // The spec examples install it cluster-wide; nothing says namespace scope is refused, so both are allowed.
  scopes: ['cluster', 'namespace'],
  docs: 'https://learn.microsoft.com/azure/aks/deploy-marketplace',
  requiresPlan: true,
};

/** The plan of the spec's Marketplace example (CreateExtensionWithPlan). */
export const SPEC_MARKETPLACE_PLAN = { name: 'azure-vote-standard', publisher: 'Microsoft', product: 'azure-vote-standard-offer-id' } as const;

export const DEFAULT_EMULATOR_EXTENSION_TYPES: readonly ExtensionTypeProfile[] = [...PROFILED_EXTENSION_TYPES, SPEC_MARKETPLACE_EXAMPLE];

/** A lookup over the known types; `extra` profiles replace a known one with the same extensionType. */
export class ExtensionTypeCatalog {
  private readonly profiles: readonly ExtensionTypeProfile[];

  constructor(extra: readonly ExtensionTypeProfile[] = []) {
    this.profiles = [...extra, ...DEFAULT_EMULATOR_EXTENSION_TYPES.filter((known) => !extra.some((added) => sameExtensionType(added.extensionType, known.extensionType)))];
  }

  find(extensionType: string): ExtensionTypeProfile | undefined {
    return this.profiles.find((profile) => sameExtensionType(profile.extensionType, extensionType));
  }
}

/** Whether a setting key matches a profile's immutableSettings pattern (`a.b.*` = every key under `a.b.`). */
export function matchesSettingPattern(key: string, pattern: string): boolean {
  return pattern.endsWith('.*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
}

/** The keys under the profile's immutable patterns whose value differs between two sets of settings (added, changed or removed). */
export function changedImmutableSettings(profile: ExtensionTypeProfile | undefined, before: Record<string, string>, after: Record<string, string>): string[] {
  const patterns = profile?.immutableSettings ?? [];
  if (patterns.length === 0) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => patterns.some((pattern) => matchesSettingPattern(key, pattern)) && before[key] !== after[key]).sort();
}

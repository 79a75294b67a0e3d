// What the engine knows about one cataloged extension type. One module per type exports one profile; index.ts lists
// them. Issue 15 grows a profile (required and computed settings, prerequisites, regions): add the field here, typed,
// and fill it in each type's module. Every fact in a profile names its source in a comment beside it.

/** Where an extension can be installed: cluster-wide (a release namespace) or into one namespace. */
export const EXTENSION_SCOPE_KINDS = ['cluster', 'namespace'] as const;
export type ExtensionScopeKind = (typeof EXTENSION_SCOPE_KINDS)[number];

export interface ExtensionTypeProfile {
  /** Short key used in docs, examples and the emulator: 'flux'. */
  key: string;
  displayName: string;
  /** The `extensionType` ARM knows, as its docs spell it; compare with `sameExtensionType`. */
  extensionType: string;
  /** Where the extension installs itself when a cluster-scoped install names no release namespace. */
  defaultReleaseNamespace: string;
  /** The scopes its docs install it with; the first one is what an install uses when the baseline names none. */
  scopes: readonly [ExtensionScopeKind, ...ExtensionScopeKind[]];
  /** The product's documentation. */
  docs: string;
  /** The extension (resource) name the Azure CLI gives an install of this type; undefined where none is published. */
  defaultExtensionName?: string;
  /**
   * ARM location names (lower case, no spaces) where the type is offered on AKS, as published; undefined where no list
   * is published (then every region). `supportedRegionsAsOf` is the date of the page the list was read from.
   */
  supportedRegions?: readonly string[];
  supportedRegionsAsOf?: string;
  /**
   * Settings that cannot change once the extension exists (a change needs delete + create). A trailing `.*` matches
   * every key under that prefix (`global.ha.*` matches `global.ha.enabled`); otherwise the key must match exactly.
   */
  immutableSettings?: readonly string[];
  /**
   * What deleting the extension leaves on the cluster or does besides removing it, in a few words (a recreate's plan
   * step says it); undefined where the docs say nothing.
   */
  onDelete?: string;
  /** Extension types this one replaces: a requirement for one of them is met by an install of this type. */
  supersedes?: readonly string[];
  /** `configurationSettings` keys (the real keys, not CLI aliases) that a create must carry. */
  requiredSettings?: readonly string[];
  /** A Marketplace offer: a create must carry `plan: { name, product, publisher }`. */
  requiresPlan?: boolean;
}

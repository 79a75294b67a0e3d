// What the engine knows about one cataloged extension type. One module per type exports one profile; index.ts lists
// them. Issue 15 grows a profile (required and computed settings, prerequisites, regions): add the field here, typed,
// and fill it in each type's module.

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
}

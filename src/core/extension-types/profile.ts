// What the engine knows about one extension type: a profile. One module per cataloged type exports one profile;
// index.ts lists them and holds the default profile every other type gets. A profile says what a working install of
// its type is, as `az k8s-extension create/update` (or the `az aks` command that installs it) would send it: scope,
// release train, settings the CLI computes, what an update sends, which settings are one-shot or client-side only, and
// the prerequisites checked before an install is planned. Every fact names its source, in a comment beside it and in
// `sources`; docs/extensions.md is generated from these fields (`npm run schema`).
import type { RequiredExtension } from '../baseline.js';
import type { JsonObject } from '../cluster-body.js';
import type { ArmChange, ClusterSnapshot, EvaluationFacts, ExtensionSnapshot } from '../types.js';

/** Where an extension can be installed: cluster-wide (a release namespace) or into one namespace. */
export const EXTENSION_SCOPE_KINDS = ['cluster', 'namespace'] as const;
export type ExtensionScopeKind = (typeof EXTENSION_SCOPE_KINDS)[number];

/** The steps a person takes because the app's role cannot (actions of target `manual` in the registry). */
export const MANUAL_ACTIONS = ['manual-role-assignment', 'manual-trusted-access'] as const;
export type ManualAction = (typeof MANUAL_ACTIONS)[number];

/** What a profile's functions see when an install (or the create of a recreate) is planned. Pure data. */
export interface InstallContext {
  snapshot: ClusterSnapshot;
  facts: EvaluationFacts;
  /** The baseline entry, its placeholders filled in for this cluster and its CLI aliases mapped to the real keys. */
  spec: RequiredExtension;
  /** The settings the create carries before the profile computes any: the baseline's (on a recreate over the extension's own). */
  settings: Readonly<Record<string, string>>;
  /** The extension being recreated; undefined for an install. */
  existing?: ExtensionSnapshot;
}

/** A prerequisite's verdict for one cluster. */
export type PrerequisiteCheck =
  | { status: 'met' }
  /** Not there: `message` names what is missing and where; `fix` is the `az` command (or baseline change) that adds it. */
  | { status: 'missing'; message: string; fix: string; fixedByAction?: string }
  /** Cannot be checked: a fact was not supplied. Reported on the step (`unchecked`), never blocks it. */
  | { status: 'unknown'; message: string };

export interface Prerequisite {
  /** Stable id, e.g. `managed-identity`, `provider-registered:Microsoft.KubernetesConfiguration`. */
  id: string;
  /** What must be true, for the docs: "the cluster uses a managed identity". */
  what: string;
  /** The fix, for the docs (the messages carry the exact command for the cluster). */
  fix: string;
  /** What happens when the fact it needs is not known, for the docs; undefined when it needs none (it reads the cluster body). */
  whenUnknown?: string;
  source: string;
  /** The resource provider namespace whose registration it checks: the edge reads it (EvaluationFacts.providerRegistrations). */
  provider?: string;
  check(context: InstallContext): PrerequisiteCheck;
}

/** A setting the CLI computes on create from the cluster, the tenant or another resource. */
export interface ComputedSetting {
  key: string;
  /**
   * `always`: the CLI sets it whatever the input (a baseline may not set it: validation refuses it); `default`: only
   * when the input does not have it.
   */
  when: 'always' | 'default';
  /** The value, for the docs: "the cluster's ARM id". */
  describe: string;
  source: string;
  /**
   * The value for this cluster, given the settings computed so far (in declaration order); undefined when the CLI would
   * set nothing (e.g. the node count is not in the body) or a fact is missing (a prerequisite then blocks the install).
   */
  compute(context: InstallContext, settings: Readonly<Record<string, string>>): string | undefined;
}

/** A setting the CLI reads on the user's machine and never sends as such, with what a baseline gives instead. */
export interface ClientSideSetting {
  key: string;
  instead: string;
}

/** A problem with the baseline's settings that makes the CLI refuse the create; `fix` is the baseline change. */
export interface SettingsProblem {
  message: string;
  fix: string;
}

/** A step a person takes with the install (a grant the app's role cannot make), for one cluster. */
export interface PlannedManualStep {
  description: string;
  /** What is missing, naming the identity and the scope. */
  message: string;
  /** The exact command a person runs. */
  command: string;
  /** The request that command makes (see ArmChange: a person's step). */
  change: ArmChange;
}

export interface ManualStep {
  action: ManualAction;
  /** What is granted, to whom, on what, for the docs (docs/deploy.md lists these per extension). */
  grant: string;
  source: string;
  /** This cluster's step; undefined when it does not apply (Elastic SAN off) or the baseline lacks what names it. */
  plan(context: InstallContext): PlannedManualStep | undefined;
}

/** What a profile's update hook sees: the PATCH planned so far (`patchExtension` properties) and the extension. */
export interface UpdateContext {
  snapshot: ClusterSnapshot;
  facts: EvaluationFacts;
  spec: RequiredExtension;
  existing: ExtensionSnapshot;
  /** The PATCH properties planned so far (only what differs, or the whole desired spec for a repair). */
  patch: Readonly<JsonObject>;
}

/** What the CLI adds to a PATCH of this type (merged into the planned one), and what it would refuse. */
export interface UpdateAdditions {
  configurationSettings?: Record<string, string>;
  autoUpgradeMinorVersion?: boolean;
  missing?: { id: string; message: string; fix: string }[];
  unchecked?: string[];
}

/** How an install's scope is built. The baseline's `scope` plays the CLI's `--scope`/`--release-namespace`. */
export type CreateScope =
  /** The baseline's scope, or none (ARM then uses the type's default scope): the CLI's generic path. */
  | 'as-given'
  /**
   * The baseline's scope, else cluster-wide in `defaultReleaseNamespace`. Dapr's CLI does exactly this; for Flux and
   * Azure Backup it is this product's choice where the CLI leaves the namespace to the service (docs/extensions.md).
   */
  | 'given-or-default'
  /** Always cluster-wide in `defaultReleaseNamespace`, whatever the input (Azure ML; Container Storage's `az aks`). */
  | 'always-default';

/**
 * What every profile says, the default one included. The cataloged profiles fill in every field they have a source
 * for; a profile made elsewhere (the emulator's test types) may leave the behaviour out and gets the generic path's:
 * cluster scope in `defaultReleaseNamespace` unless given, no identity, COMMON_PREREQUISITES.
 */
export interface InstallProfile {
  /** What was read for this profile, one line each: the file and commit, or the page and its date. */
  sources?: readonly string[];
  /** How an install's scope is built; undefined: `given-or-default` for a cluster-first type, else `as-given`. */
  createScope?: CreateScope;
  /** The release train the CLI sends when none is given; undefined: none is sent (ARM's default, Stable, applies). */
  defaultReleaseTrain?: string;
  /** The CLI sends `autoUpgradeMinorVersion: true` when none is given (else it leaves it out and ARM's default, true, applies). */
  autoUpgradeOnCreate?: true;
  /**
   * The `identity` the CLI sends on create for an AKS cluster: none, for every type (k8s-extension custom.py skips the
   * identity for managedClusters). `serviceIdentity` says what the service gives the extension instead, where documented.
   */
  identityOnCreate?: { sent: false; serviceIdentity?: string };
  /** `configurationSettings` keys (the real keys, not CLI aliases) that a create must carry. */
  requiredSettings?: readonly string[];
  /** The names the CLI accepts for settings (matched case-insensitively, as the CLI does) -> the real key sent. */
  settingAliases?: Readonly<Record<string, string>>;
  /** Every real key the type reads, where the CLI drops the others; undefined where it passes any key through. */
  acceptedSettings?: readonly string[];
  /** Settings the CLI computes on create, in the order it computes them. */
  computedSettings?: readonly ComputedSetting[];
  /**
   * Setting patterns (`a.b.*` or exact) that are one-shot: sent on install, reset by the CLI afterwards, so never
   * compared and never PATCHed (a "fix" would re-arm them).
   */
  oneShotSettings?: readonly string[];
  /** Settings the CLI consumes on the user's machine (file paths, switches that create resources). */
  clientSideSettings?: readonly ClientSideSetting[];
  /** The CLI's own checks of the settings; each problem blocks the install (and `baseline validate` warns). */
  settingsProblems?(settings: Readonly<Record<string, string>>, protectedNames: readonly string[]): SettingsProblem[];
  /** Checked before an install (or the create of a recreate) is planned, in this order; undefined: COMMON_PREREQUISITES. */
  prerequisites?: readonly Prerequisite[];
  /** Grants a person makes with the install. */
  manualSteps?: readonly ManualStep[];
  /**
   * The facts about other resources the edge reads for this type, given the entry's settings (placeholders filled in,
   * real keys): the tenant, storage account ids. Provider registrations come from the prerequisites' `provider`.
   */
  factsWanted?(settings: Readonly<Record<string, string>>): { tenant?: boolean; storageAccounts?: string[] };
  /** What the CLI adds to an update (Dapr's `hooks.applyCrds`). */
  update?(context: UpdateContext): UpdateAdditions;
  /**
   * Inputs the CLI ignores for this type (Azure Backup: `--version`, `--config-protected`, `--auto-upgrade-minor-version
   * false`). The product still sends what the baseline gives (a pin it did not send would drift forever), and
   * `baseline validate` warns; `cliIgnoresWhy` says what the CLI does instead.
   */
  cliIgnores?: readonly ('version' | 'autoUpgradeMinorVersion' | 'protectedSettings')[];
  cliIgnoresWhy?: string;
  /** A Marketplace offer: a create must carry `plan: { name, product, publisher }`. */
  requiresPlan?: boolean;
  /**
   * ARM location names (lower case, no spaces) where the type is offered on AKS, as published; undefined where no list
   * is published (then every region). `supportedRegionsAsOf` is the date of the page the list was read from.
   */
  supportedRegions?: readonly string[];
  supportedRegionsAsOf?: string;
  /** The lowest Kubernetes version the type's docs publish, with the date of that page; undefined where none is published. */
  minKubernetesVersion?: string;
  minKubernetesVersionAsOf?: string;
}

export interface ExtensionTypeProfile extends InstallProfile {
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
  /** The CLI finds the extension by `defaultExtensionName` (another name breaks its later update and disable). */
  nameIsFixed?: true;
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
}

/** The profile of any type the catalog does not list: the CLI's generic path (`DefaultExtension`). */
export interface DefaultProfile extends InstallProfile {
  key: 'default';
  displayName: string;
  docs: string;
}

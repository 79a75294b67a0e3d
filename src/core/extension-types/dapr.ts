import { COMMON_PREREQUISITES } from '../prerequisites.js';
import { compareVersions, parseVersion } from '../versions.js';
import type { ExtensionTypeProfile, UpdateAdditions, UpdateContext } from './profile.js';

// Azure CLI k8s-extension partner_extensions/Dapr.py @619d71c (azure-cli-extensions), read for issue 15 (facts B).
const DAPR_PY = 'Azure CLI k8s-extension partner_extensions/Dapr.py @619d71c (azure-cli-extensions)';

/**
 * What `az k8s-extension update` puts in `hooks.applyCrds` (Dapr.py Update, facts B.2), unless the update sets it:
 * "false" when auto-upgrade was on and the update does not turn it on, when the version goes down (or the versions
 * cannot be compared) or stays the same; else "true" (re-enabling the hook a downgrade turned off). Dapr's docs:
 * since 1.9.2 the CRDs upgrade with the extension unless hooks.applyCrds is false (dapr-settings.md).
 */
function daprUpdate({ existing, patch }: UpdateContext): UpdateAdditions {
  const settings = (patch.configurationSettings ?? {}) as Record<string, unknown>;
  if (settings['hooks.applyCrds'] !== undefined) return {};
  const hook = (value: 'true' | 'false'): UpdateAdditions => ({ configurationSettings: { 'hooks.applyCrds': value } });
  // The extension as ARM reports it: auto-upgrade defaults to true (the engine reads a missing value the same way).
  if ((existing.autoUpgradeMinorVersion ?? true) && patch.autoUpgradeMinorVersion !== true) return hook('false');
  const version = typeof patch.version === 'string' ? patch.version : undefined;
  const original = existing.version;
  if (version !== undefined && original !== undefined) {
    // The CLI compares SemVer and calls anything it cannot parse a downgrade (the safe side).
    const comparable = parseVersion(version) !== undefined && parseVersion(original) !== undefined;
    if (!comparable || compareVersions(version, original) < 0 || version === original) return hook('false');
  }
  return hook('true');
}

export const dapr: ExtensionTypeProfile = {
  key: 'dapr',
  displayName: 'Dapr',
  extensionType: 'Microsoft.Dapr',
  // Dapr.py: default release name `dapr`, namespace `dapr-system`, and namespace scope refused (cluster scope only).
  defaultExtensionName: 'dapr',
  defaultReleaseNamespace: 'dapr-system',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/aks/dapr',
  sources: [
    DAPR_PY,
    'AKS docs dapr.md and dapr-settings.md (ms.date 02/05/2026), dapr-overview.md "Clouds/regions" (ms.date 02/05/2026), dapr-migration.md (ms.date 02/06/2026)',
  ],
  // Dapr.py Create: always sends scope.cluster.releaseNamespace, the given one or dapr-system, even without --scope.
  createScope: 'given-or-default',
  // Dapr.py Create: release train `stable` when none is given; auto-upgrade and version passed through as given.
  defaultReleaseTrain: 'stable',
  // Dapr.py Create: create_identity False, identity None.
  identityOnCreate: { sent: false },
  computedSettings: [
    {
      // Dapr.py Create: for managedclusters (or an empty cluster type) the CLI overwrites global.clusterType.
      key: 'global.clusterType',
      when: 'always',
      describe: '`managedclusters`',
      source: DAPR_PY,
      compute: () => 'managedclusters',
    },
    {
      // Dapr.py Create: with an existing Dapr install named by both existingDaprReleaseName and
      // existingDaprReleaseNamespace (and skipExistingDaprCheck not exactly "true"), HA is turned off unless given.
      // Without them the CLI asks whether Dapr is installed; the product answers no, the prompt's default.
      key: 'global.ha.enabled',
      when: 'default',
      describe: '`false` when the baseline names an existing Dapr install (both `existingDaprReleaseName` and `existingDaprReleaseNamespace`)',
      source: DAPR_PY,
      compute: (_context, settings) => (settings.existingDaprReleaseName && settings.existingDaprReleaseNamespace && settings.skipExistingDaprCheck !== 'true' ? 'false' : undefined),
    },
  ],
  // AKS docs dapr-settings.md (ms.date 02/05/2026), "Update configuration settings": these settings cannot be changed
  // after creation; changing them means deleting and creating the extension again.
  immutableSettings: ['global.ha.*', 'dapr_placement.*'],
  // AKS docs dapr.md (ms.date 02/05/2026): deleting the Dapr extension does not remove its CRDs.
  onDelete: "Dapr's CRDs stay on the cluster (the delete does not remove them)",
  // AKS docs dapr.md prerequisites: Microsoft.KubernetesConfiguration registered; cluster-extensions.md: managed identity.
  prerequisites: COMMON_PREREQUISITES,
  update: daprUpdate,
  // AKS docs dapr-overview.md (ms.date 02/05/2026), "Clouds/regions" table, the regions marked yes for AKS (public
  // Azure). eastus2euap is Arc only and so not listed.
  supportedRegions: [
    'australiaeast', 'australiasoutheast', 'brazilsouth', 'canadacentral', 'canadaeast', 'centralindia', 'centralus',
    'eastasia', 'eastus', 'eastus2', 'francecentral', 'francesouth', 'germanywestcentral', 'japaneast', 'japanwest',
    'koreacentral', 'koreasouth', 'northcentralus', 'northeurope', 'norwayeast', 'southafricanorth', 'southcentralus',
    'southeastasia', 'southindia', 'swedencentral', 'switzerlandnorth', 'uaenorth', 'uksouth', 'ukwest', 'westcentralus',
    'westeurope', 'westus', 'westus2', 'westus3',
  ],
  supportedRegionsAsOf: '2026-02-05',
  // No minimum Kubernetes version: the Dapr docs (dapr.md, dapr-overview.md, ms.date 02/05/2026) publish none.
};

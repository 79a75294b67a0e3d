import { COMMON_PREREQUISITES } from '../prerequisites.js';
import type { ExtensionTypeProfile } from './profile.js';

// Flux has no partner class in k8s-extension: `az k8s-extension create --extension-type microsoft.flux` is the generic
// path (custom.py, DefaultExtension.py), and `az k8s-configuration flux create` installs it the same way when missing.
const GITOPS_TUTORIAL = 'Azure docs tutorial-use-gitops-flux2.md (ms.date 10/09/2023): register Microsoft.Kubernetes, Microsoft.ContainerService and Microsoft.KubernetesConfiguration; an MSI-based AKS cluster';

export const flux: ExtensionTypeProfile = {
  key: 'flux',
  displayName: 'Flux (GitOps)',
  extensionType: 'microsoft.flux',
  // Azure CLI k8s-configuration (`az k8s-configuration flux create`) installs the extension as `flux` when none exists.
  defaultExtensionName: 'flux',
  defaultReleaseNamespace: 'flux-system',
  // Azure docs conceptual-gitops-flux2.md: installed in flux-system with cluster-wide scope; namespace scope fails
  // with a 400.
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/azure-arc/kubernetes/conceptual-gitops-flux2',
  sources: [
    'Azure CLI k8s-extension custom.py @70d2473 and DefaultExtension.py @404252f (the generic path); k8s-configuration Flux provider _validate_extension_install',
    'Azure docs conceptual-gitops-flux2.md (flux-system, cluster scope, namespace scope refused with a 400)',
    GITOPS_TUTORIAL,
  ],
  // The generic path sends no scope without --scope (the service then installs it cluster-wide in flux-system); this
  // product names flux-system itself when the baseline gives no scope.
  createScope: 'given-or-default',
  // The generic path sends no release train and no auto-upgrade unless given (ARM's defaults: Stable, true).
  identityOnCreate: { sent: false },
  // The tutorial also lists Microsoft.Kubernetes, in a page written for Arc and AKS alike; nothing says an AKS install
  // needs it, so it is not checked (a false block would stop every Flux install).
  prerequisites: COMMON_PREREQUISITES,
  // The same docs say Flux is offered in a subset of AKS regions but publish no list: supportedRegions stays unset.
  // No minimum Kubernetes version is published (the docs support the latest Flux version and the two before it).
};

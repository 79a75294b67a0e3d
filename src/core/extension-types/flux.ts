import type { ExtensionTypeProfile } from './profile.js';

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
  // The same docs say Flux is offered in a subset of AKS regions but publish no list: supportedRegions stays unset.
};

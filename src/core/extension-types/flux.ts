import type { ExtensionTypeProfile } from './profile.js';

export const flux: ExtensionTypeProfile = {
  key: 'flux',
  displayName: 'Flux (GitOps)',
  extensionType: 'microsoft.flux',
  defaultReleaseNamespace: 'flux-system',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/azure-arc/kubernetes/conceptual-gitops-flux2',
};

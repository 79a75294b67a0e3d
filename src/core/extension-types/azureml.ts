import type { ExtensionTypeProfile } from './profile.js';

export const azureml: ExtensionTypeProfile = {
  key: 'azureml',
  displayName: 'Azure Machine Learning',
  extensionType: 'Microsoft.AzureML.Kubernetes',
  // Azure CLI k8s-extension partner_extensions/AzureMLKubernetes.py refuses namespace scope and always sends release
  // namespace `azureml`.
  defaultReleaseNamespace: 'azureml',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/machine-learning/how-to-deploy-kubernetes-extension',
  // Azure ML docs reference-kubernetes.md: the regions are those of Azure Arc-enabled Kubernetes, published elsewhere
  // and not as a list for AKS: supportedRegions stays unset.
};

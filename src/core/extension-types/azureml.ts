import type { ExtensionTypeProfile } from './profile.js';

export const azureml: ExtensionTypeProfile = {
  key: 'azureml',
  displayName: 'Azure Machine Learning',
  extensionType: 'Microsoft.AzureML.Kubernetes',
  defaultReleaseNamespace: 'azureml',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/machine-learning/how-to-deploy-kubernetes-extension',
};

// Lets one system topic's identity write dead letters, on the dead-letter container only
// (not the account, so it cannot read or change the app's other blobs).

import { deadLetterContainerName } from '../names.bicep'
import { builtInRoles } from '../roles.bicep'

@description('Name of the app\'s storage account, in this resource group.')
param storageAccountName string

@description('Principal id of the system topic\'s system-assigned identity.')
param topicPrincipalId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetters 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account::blobService::deadLetters.id, topicPrincipalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataContributor))
  scope: account::blobService::deadLetters
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.storageBlobDataContributor)
    principalId: topicPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-baseline-guard: Event Grid system topic writes undeliverable events here'
  }
}

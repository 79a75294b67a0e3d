// Optional (enableEventsTopic): the Event Grid custom topic the app publishes its compliance events to
// (docs/notifications.md). CloudEvents 1.0 only and Entra ID only: access keys and SAS tokens are off,
// so the one way to publish is a token for an identity holding EventGrid Data Sender on this topic.
// The app's identity gets that role here, on the topic itself, and nowhere else.

import { builtInRoles } from '../roles.bicep'

@description('Name of the custom topic: 3-50 letters, digits and hyphens.')
@minLength(3)
@maxLength(50)
param name string

@description('Azure region of the topic.')
param location string

@description('Tags applied to the topic.')
param tags object

@description('Principal id of the app identity; gets EventGrid Data Sender on this topic only.')
param appPrincipalId string

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    // Like the app's storage account: reachable publicly, with Entra ID the only way in.
    publicNetworkAccess: 'Enabled'
  }
}

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appPrincipalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.eventGridDataSender))
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', builtInRoles.eventGridDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-baseline-guard app: publish compliance events to this topic'
  }
}

@description('Topic name.')
output name string = topic.name

@description('Topic resource id; event subscriptions for notifications are created on it.')
output id string = topic.id

@description('Publishing endpoint, https://<name>.<region>-1.eventgrid.azure.net/api/events: EVENTS_TOPIC_ENDPOINT.')
output endpoint string = topic.properties.endpoint

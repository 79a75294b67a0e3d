// Everything the app needs on one target subscription: the custom remediator role (definition and
// assignment, at subscription scope), the Event Grid system topic, its dead-letter access and,
// once the function exists, the event subscription. Deployed once per target subscription.

targetScope = 'subscription'

import { remediatorActions } from '../roles.bicep'

@description('azd environment name; part of role, topic and event subscription names so environments do not collide.')
param environmentName string

@description('Region for the resource group that holds the system topic (the topic itself is global).')
param location string

@description('Tags applied to what this module creates.')
param tags object

@description('Principal id of the app identity.')
param appPrincipalId string

@description('Subscription id of the app\'s own resource group.')
param appSubscriptionId string

@description('Name of the app\'s resource group.')
param appResourceGroupName string

@description('Name of the app\'s storage account (dead-letter destination).')
param storageAccountName string

@description('Resource id of the app\'s storage account.')
param storageAccountId string

@description('Resource id of the Function App.')
param functionAppId string

@description('Create the event subscription now (true only after onResourceEvent has been deployed).')
param deployEventSubscription bool

@description('Name of the event subscription.')
param eventSubscriptionName string

@description('Extra actions for ARM linked-access checks on cluster PUTs; see docs/deploy.md.')
param linkedAccessActions array

@description('Existing Microsoft.Resources.Subscriptions system topics by subscription id: { "<id>": { "resourceGroup": "...", "name": "..." } }.')
param existingSystemTopics object

@description('Delivery attempts before an event is dead-lettered.')
param maxDeliveryAttempts int

@description('Minutes Event Grid keeps retrying an event.')
param eventTimeToLiveInMinutes int

var subscriptionId = subscription().subscriptionId
var reuseTopic = contains(existingSystemTopics, subscriptionId)
var existingTopic = reuseTopic ? existingSystemTopics[subscriptionId] : { resourceGroup: '', name: '' }
var isAppSubscription = toLower(subscriptionId) == toLower(appSubscriptionId)
// A system topic must live in the subscription it watches: in the app's own subscription it joins
// the app's resource group (so `azd down` removes it); elsewhere it gets a small group of its own.
var topicResourceGroupName = reuseTopic ? existingTopic.resourceGroup : (isAppSubscription ? appResourceGroupName : 'rg-${environmentName}-events')
var topicName = reuseTopic ? existingTopic.name : 'evgt-${environmentName}-${subscriptionId}'

resource remediatorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'aks-baseline-guard-remediator')
  properties: {
    // Role names are unique per tenant, hence the environment and subscription in the name.
    roleName: 'AKS Baseline Guard remediator (${environmentName}, ${subscriptionId})'
    description: 'Read and update AKS clusters and their extensions, and poll the resulting operations. Cannot delete clusters or extensions, read credentials, or grant access.'
    type: 'CustomRole'
    permissions: [
      {
        actions: concat(remediatorActions, linkedAccessActions)
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

resource remediatorAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, appPrincipalId, remediatorRole.id)
  properties: {
    roleDefinitionId: remediatorRole.id
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'aks-baseline-guard app: evaluate and remediate AKS clusters in this subscription'
  }
}

resource eventsGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (!reuseTopic && !isAppSubscription) {
  name: topicResourceGroupName
  location: location
  tags: tags
}

module topic 'system-topic.bicep' = {
  name: 'topic-${uniqueString(subscription().id, environmentName)}'
  scope: resourceGroup(topicResourceGroupName)
  dependsOn: [
    eventsGroup
  ]
  params: {
    name: topicName
    useExisting: reuseTopic
    tags: tags
  }
}

module deadLetterAccess 'dead-letter-access.bicep' = {
  name: 'deadletter-${uniqueString(subscription().id, environmentName)}'
  scope: resourceGroup(appSubscriptionId, appResourceGroupName)
  params: {
    storageAccountName: storageAccountName
    topicPrincipalId: topic.outputs.principalId
  }
}

module eventSubscription 'event-subscription.bicep' = if (deployEventSubscription) {
  name: 'events-${uniqueString(subscription().id, environmentName)}'
  scope: resourceGroup(topicResourceGroupName)
  dependsOn: [
    deadLetterAccess
  ]
  params: {
    name: eventSubscriptionName
    systemTopicName: topic.outputs.name
    functionAppId: functionAppId
    deadLetterStorageAccountId: storageAccountId
    maxDeliveryAttempts: maxDeliveryAttempts
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
  }
}

@description('Resource id of the custom remediator role definition in this subscription.')
output remediatorRoleId string = remediatorRole.id

@description('Resource group and name of the system topic used for this subscription.')
output systemTopic object = {
  resourceGroup: topicResourceGroupName
  name: topicName
}

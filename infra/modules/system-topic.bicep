// The Event Grid system topic for one Azure subscription. Event Grid allows one such topic per
// subscription and it must live in that subscription, so a subscription that already has one
// reuses it (existingSystemTopics in main.bicep) instead of creating a second.

@description('Name of the system topic (new or existing).')
param name string

@description('Reuse an existing topic instead of creating one. It must have a system-assigned identity.')
param useExisting bool

@description('Tags applied to a newly created topic (an existing topic is left as it is).')
param tags object

resource created 'Microsoft.EventGrid/systemTopics@2025-02-15' = if (!useExisting) {
  name: name
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource found 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = if (useExisting) {
  name: name
}

@description('Name of the topic.')
output name string = name

@description('Principal id of the topic\'s system-assigned identity, which writes dead letters.')
output principalId string = useExisting ? found.identity.principalId : created.identity.principalId

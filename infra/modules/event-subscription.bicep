// Routes cluster and extension writes/deletes, and cluster starts, of one subscription to onResourceEvent. Deployed only
// once the function exists (deployEventSubscription, set by the postdeploy hook): Event Grid checks
// the AzureFunction endpoint when the subscription is created.

import { acceptedActionEventTypes, acceptedActionOperations, acceptedEventTypes, acceptedOperations, deadLetterContainerName, onResourceEventFunctionName } from '../names.bicep'

@description('Name of the event subscription; dead-letter blobs are filed under it in upper case.')
param name string

@description('Name of the system topic in this resource group.')
param systemTopicName string

@description('Resource id of the Function App that hosts onResourceEvent.')
param functionAppId string

@description('Resource id of the storage account holding the dead-letter container.')
param deadLetterStorageAccountId string

@description('Delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int

@description('Minutes Event Grid keeps retrying an event before dead-lettering it.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource toOnResourceEvent 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: topic
  name: name
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${onResourceEventFunctionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    // Event types are ORed, and the one advanced filter is ANDed with them. Write and delete events carry
    // write/delete operation names and action events carry action names, so one StringIn over both lists
    // lets through exactly those pairs (Event Grid allows 25 advanced-filter values per subscription).
    filter: {
      includedEventTypes: concat(acceptedEventTypes, acceptedActionEventTypes)
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: concat(acceptedOperations, acceptedActionOperations)
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: maxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

@description('Resource id of the event subscription.')
output id string = toOnResourceEvent.id

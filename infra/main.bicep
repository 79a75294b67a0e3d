// Entry point for `azd up` / `azd provision`: one resource group with the Function App, its storage,
// identity, monitoring and workbook (and, if enabled, the events-out topic), plus per-target-subscription
// RBAC and Event Grid wiring.
// What each piece may do is explained in docs/deploy.md.

targetScope = 'subscription'

@description('azd environment name; names the resource group (rg-<name>) and seeds unique resource names.')
@minLength(1)
@maxLength(40)
param environmentName string

@description('Region of the resource group and its resources. It must offer the Flex Consumption plan.')
@minLength(1)
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person (or pipeline) running azd; gets read access to the dead-letter container for `events replay`. Empty to skip.')
param principalId string = ''

@description('Kind of principal principalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Comma-separated subscription ids the app evaluates and remediates. Empty means the subscription being deployed to.')
param targetSubscriptionIds string = ''

@description('Create the Event Grid subscriptions. False on the very first provision, because Event Grid requires onResourceEvent to exist; the postdeploy hook sets it to true and provisions again.')
param deployEventSubscription bool = false

@description('Existing Microsoft.Resources.Subscriptions system topics to reuse, by subscription id: { "<subscription id>": { "resourceGroup": "<rg>", "name": "<topic>" } }. Event Grid allows only one per subscription.')
param existingSystemTopics object = {}

@description('Extra actions for the remediator role, needed only where ARM linked-access checks reject cluster PUTs (custom subnets, user-assigned identities, legacy monitoring add-on). See docs/deploy.md.')
@allowed([
  'Microsoft.Network/virtualNetworks/subnets/join/action'
  'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action'
  'Microsoft.OperationalInsights/workspaces/sharedKeys/read'
])
param linkedAccessActions array = []

@description('Path of the baseline document, relative to the app root.')
param baselinePath string = 'baselines/default.json'

@description('NCRONTAB schedule (six fields) of the fleet sweep.')
param sweepSchedule string = '0 */30 * * * *'

@description('Seconds a follow-up evaluation waits when events arrived during an evaluation that its read may have missed (the first event of a cluster is never delayed).')
@minValue(1)
@maxValue(3600)
param coalesceWindowSeconds int = 5

@description('Attempts per cluster and rule before a finding is recorded as RemediationFailed.')
@minValue(1)
@maxValue(50)
param maxRemediationAttempts int = 5

@description('Client id of an Entra ID app registration; when set, App Service authentication guards the HTTP routes and ENTRA_AUTH_REQUIRED is true.')
param entraAppClientId string = ''

@description('Event Grid delivery attempts before an event is dead-lettered.')
@minValue(1)
@maxValue(30)
param eventMaxDeliveryAttempts int = 10

@description('Minutes Event Grid keeps retrying an event before dead-lettering it.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int = 1440

@description('Memory per Function App instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum Function App instances; also bounds how many ARM writes can run at once.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Always-ready instances for each of onResourceEvent and evaluateChangedCluster. 0 lets them scale to zero: the first event after a quiet spell waits for an instance to start. 1 or more keeps them warm, billed as a baseline; at sustained event rates, each instance takes its share of the events lane. Zone-redundant apps need at least 2.')
@minValue(0)
@maxValue(20)
param eventPathAlwaysReadyInstances int = 0

@description('Days Log Analytics keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Daily Log Analytics ingestion cap in GB; -1 means no cap.')
param logDailyQuotaGb int = -1

@description('Create an Event Grid custom topic (CloudEvents 1.0, Entra ID only) that the app publishes compliance events to, give the app EventGrid Data Sender on it, and set EVENTS_TOPIC_ENDPOINT. See docs/notifications.md.')
param enableEventsTopic bool = false

@description('Days ahead of an exemption\'s expiry that the app publishes ExemptionExpiring (with enableEventsTopic).')
@minValue(1)
@maxValue(365)
param exemptionExpiryNoticeDays int = 14

@description('Settings named by the baseline\'s protectedSettingRefs ({ appSetting: NAME }), e.g. { "FLUX_GIT_TOKEN": "\${FLUX_GIT_TOKEN}" } in main.parameters.json. Secure: never shown in deployment history.')
@secure()
param extensionSecretSettings object = {}

var tags = {
  'azd-env-name': environmentName
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var targets = empty(trim(targetSubscriptionIds)) ? [subscription().subscriptionId] : map(filter(split(targetSubscriptionIds, ','), id => !empty(trim(id))), id => toLower(trim(id)))
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var eventSubscriptionName = '${environmentName}-on-resource-event'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
    dailyQuotaGb: logDailyQuotaGb
    appPrincipalId: identity.outputs.principalId
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    environmentName: environmentName
  }
}

module eventsTopic 'modules/events-topic.bicep' = if (enableEventsTopic) {
  name: 'events-topic'
  scope: rg
  params: {
    name: 'evgt-out-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    azdServiceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityPrincipalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    targetSubscriptionIds: targets
    baselinePath: baselinePath
    sweepSchedule: sweepSchedule
    coalesceWindowSeconds: coalesceWindowSeconds
    maxRemediationAttempts: maxRemediationAttempts
    entraAppClientId: entraAppClientId
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    eventPathAlwaysReadyInstances: eventPathAlwaysReadyInstances
    eventsTopicEndpoint: enableEventsTopic ? eventsTopic.outputs.endpoint : ''
    exemptionExpiryNoticeDays: exemptionExpiryNoticeDays
    extensionSecretSettings: extensionSecretSettings
  }
}

module targetSubscriptions 'modules/target-subscription.bicep' = [
  for targetId in targets: {
    name: 'target-${uniqueString(targetId, environmentName)}'
    scope: subscription(targetId)
    params: {
      environmentName: environmentName
      location: location
      tags: tags
      appPrincipalId: identity.outputs.principalId
      appSubscriptionId: subscription().subscriptionId
      appResourceGroupName: rg.name
      storageAccountName: storage.outputs.name
      storageAccountId: storage.outputs.id
      functionAppId: functionApp.outputs.id
      deployEventSubscription: deployEventSubscription
      eventSubscriptionName: eventSubscriptionName
      linkedAccessActions: linkedAccessActions
      existingSystemTopics: existingSystemTopics
      maxDeliveryAttempts: eventMaxDeliveryAttempts
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    }
  }
]

// azd stores these outputs in the environment (.azure/<env>/.env) and hands them to hooks.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = functionApp.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output DEAD_LETTER_CONTAINER string = storage.outputs.deadLetterContainerName
output EVENT_SUBSCRIPTION_NAME string = eventSubscriptionName
output TARGET_SUBSCRIPTION_IDS string = join(targets, ',')
output APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output WORKBOOK_ID string = workbook.outputs.id
@description('Publishing endpoint of the events topic; empty unless enableEventsTopic.')
output EVENTS_TOPIC_ENDPOINT string = enableEventsTopic ? eventsTopic.outputs.endpoint : ''
@description('Resource id of the events topic, for notification subscriptions (docs/notifications.md); empty unless enableEventsTopic.')
output EVENTS_TOPIC_ID string = enableEventsTopic ? eventsTopic.outputs.id : ''

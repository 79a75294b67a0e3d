// The Function App on Flex Consumption (FC1), Node 22, running as the user-assigned identity.
// Its app settings are exactly APP_SETTINGS from src/config.ts minus the local-only connection
// string, some of them only while their feature is on; test/unit/infra fails when the two drift.

import { eventPathFunctionNames } from '../names.bicep'

@description('Function App name (also its default host name).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app; the app also gets azd-service-name.')
param tags object

@description('Service name in azure.yaml that `azd deploy` publishes to this app.')
param azdServiceName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Principal (object) id of the user-assigned identity.')
param identityPrincipalId string

@description('Name of the app\'s storage account (AzureWebJobsStorage, identity-based).')
param storageAccountName string

@description('Blob endpoint of the storage account, ending in a slash.')
param storageBlobEndpoint string

@description('Blob container Flex Consumption deploys the package into.')
param deploymentContainerName string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Subscription ids the app evaluates and remediates.')
param targetSubscriptionIds array

@description('Path of the baseline document, relative to the app root.')
param baselinePath string

@description('NCRONTAB schedule (six fields) of the fleet sweep.')
param sweepSchedule string

@description('Seconds a follow-up evaluation waits when events arrived during an evaluation that its read may have missed (the first event of a cluster is never delayed).')
param coalesceWindowSeconds int

@description('Attempts per cluster and rule before a finding is recorded as RemediationFailed.')
param maxRemediationAttempts int

@description('Client id of the Entra ID app registration protecting the HTTP routes; empty leaves App Service authentication off.')
param entraAppClientId string

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on instances; also bounds parallel ARM writes.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Always-ready instances for each function of the event path (eventPathFunctionNames); 0: they scale to zero.')
@minValue(0)
@maxValue(20)
param eventPathAlwaysReadyInstances int

@description('Publishing endpoint of the events topic (EVENTS_TOPIC_ENDPOINT); empty when enableEventsTopic is off, and then no event setting is written.')
param eventsTopicEndpoint string

@description('Days ahead of an exemption\'s expiry that ExemptionExpiring is published (EXEMPTION_EXPIRY_NOTICE_DAYS); written only with the events topic.')
@minValue(1)
@maxValue(365)
param exemptionExpiryNoticeDays int

@description('Extra settings the baseline refers to (protectedSettingRefs { appSetting: NAME }). Never read back or logged.')
@secure()
param extensionSecretSettings object

var entraAuthEnabled = !empty(entraAppClientId)

// One entry per APP_SETTINGS name except AzureWebJobsStorage, the connection-string form used only
// locally with Azurite. ARM_CA_FILE and ARM_TOKEN are development-only and never set here.
var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AZURE_CLIENT_ID: identityClientId
  SELF_PRINCIPAL_ID: identityPrincipalId
  ARM_ENDPOINT: environment().resourceManager
  TARGET_SUBSCRIPTION_IDS: join(targetSubscriptionIds, ',')
  BASELINE_PATH: baselinePath
  SWEEP_SCHEDULE: sweepSchedule
  COALESCE_WINDOW_SECONDS: string(coalesceWindowSeconds)
  MAX_REMEDIATION_ATTEMPTS: string(maxRemediationAttempts)
  ENTRA_AUTH_REQUIRED: entraAuthEnabled ? 'true' : 'false'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
}

// Settings that exist only while their feature is on; each is also in APP_SETTINGS, where loadConfig treats it
// as optional. The form is `condition ? {} : { ... }` (or the branches swapped, or a union of such): the
// settings-drift test reads the keys of each non-empty branch.
var conditionalAppSettings = empty(eventsTopicEndpoint) ? {} : {
  EVENTS_TOPIC_ENDPOINT: eventsTopicEndpoint
  EXEMPTION_EXPIRY_NOTICE_DAYS: string(exemptionExpiryNoticeDays)
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': azdServiceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Per-function scale groups: functions that are not HTTP, Blob or Durable triggers are named function:<name>.
        alwaysReady: [for name in (eventPathAlwaysReadyInstances > 0 ? eventPathFunctionNames : []): {
          name: 'function:${name}'
          instanceCount: eventPathAlwaysReadyInstances
        }]
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Our settings win over extensionSecretSettings (union keeps the last value), so a baseline secret can never
// shadow, say, ARM_ENDPOINT. appSettings and conditionalAppSettings share no name.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(extensionSecretSettings, appSettings, conditionalAppSettings)
}

// App Service authentication in front of the HTTP routes. Event Grid cannot present an Entra ID
// token, so its webhook stays outside (it is still guarded by the Event Grid system key).
resource authentication 'Microsoft.Web/sites/config@2024-04-01' = if (entraAuthEnabled) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/runtime/webhooks/eventgrid'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraAppClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraAppClientId}'
            entraAppClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

@description('Function App resource id; the Event Grid destination is <id>/functions/onResourceEvent.')
output id string = site.id

@description('Function App name.')
output name string = site.name

@description('Base URL of the app.')
output uri string = 'https://${site.properties.defaultHostName}'

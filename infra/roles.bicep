// Every permission this deployment hands out, in one file, so a reviewer reads it once.
// test/unit/infra pins these lists: widening them is a deliberate change with a failing test first.

@export()
@description('Built-in role definition ids (GUIDs) used for the app\'s own storage account, telemetry, dead-lettering and the optional events topic. No Owner, Contributor or access-administration role appears anywhere.')
var builtInRoles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageBlobDataReader: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // EventGrid Data Sender: send events to one topic; no management rights on it.
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7'
}

// Exactly the ARM calls the code makes on target subscriptions. The built-ins (Azure Kubernetes Service
// Contributor Role, Kubernetes Extension Contributor) would add Microsoft.Resources/deployments/*,
// classic alert rules and extension delete, and still miss the two operation-status reads.
@export()
@description('Actions of the custom remediator role assigned on each target subscription.')
var remediatorActions = [
  'Microsoft.Resources/subscriptions/read'
  'Microsoft.ContainerService/managedClusters/read'
  'Microsoft.ContainerService/managedClusters/write'
  'Microsoft.ContainerService/managedClusters/maintenanceConfigurations/read'
  'Microsoft.ContainerService/locations/operations/read'
  'Microsoft.ContainerService/locations/operationresults/read'
  'Microsoft.KubernetesConfiguration/extensions/read'
  'Microsoft.KubernetesConfiguration/extensions/write'
  'Microsoft.KubernetesConfiguration/extensions/operations/read'
  // Facts an extension's prerequisites check (issue 15): provider registration state, and Azure Backup's storage
  // account (its region and blob endpoint). Reads only: no register action, no keys, no data.
  'Microsoft.Resources/subscriptions/providers/read'
  'Microsoft.Storage/storageAccounts/read'
]

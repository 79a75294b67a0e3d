// Names the code fixes in src/names.ts. Bicep imports them from here; test/unit/infra checks that
// every value below equals its TypeScript twin, so a rename on either side fails `npm test`.

@export()
@description('Registered name of the Event Grid-triggered function (FUNCTION_NAMES.onResourceEvent).')
var onResourceEventFunctionName = 'onResourceEvent'

@export()
@description('The functions an event goes through: the intake and the events lane\'s worker (FUNCTION_NAMES.onResourceEvent, FUNCTION_NAMES.evaluateChangedCluster). On Flex Consumption each scales on instances of its own.')
var eventPathFunctionNames = [
  onResourceEventFunctionName
  'evaluateChangedCluster'
]

@export()
@description('Storage queues the app reads and writes (QUEUE_NAMES): the sweep lane and the events lane. The Functions host adds <name>-poison itself.')
var queueNames = [
  'cluster-evaluations'
  'cluster-events'
]

@export()
@description('Table Storage tables (TABLE_NAMES).')
var tableNames = [
  'ClusterState'
  'ClusterHistory'
  'Remediations'
  'Sweeps'
  'ClusterLeases'
  'Rollouts'
]

@export()
@description('Blob container Event Grid dead-letters into; `events replay` reads it (DEAD_LETTER_CONTAINER).')
var deadLetterContainerName = 'eventgrid-deadletter'

@export()
@description('Event types the event subscription forwards (ACCEPTED_EVENT_TYPES).')
var acceptedEventTypes = [
  'Microsoft.Resources.ResourceWriteSuccess'
  'Microsoft.Resources.ResourceDeleteSuccess'
]

@export()
@description('data.operationName values the event subscription forwards and onResourceEvent accepts (ACCEPTED_OPERATIONS).')
var acceptedOperations = [
  'Microsoft.ContainerService/managedClusters/write'
  'Microsoft.ContainerService/managedClusters/delete'
  'Microsoft.KubernetesConfiguration/extensions/write'
  'Microsoft.KubernetesConfiguration/extensions/delete'
]

@export()
@description('Action event types the event subscription also forwards (ACCEPTED_ACTION_EVENT_TYPES).')
var acceptedActionEventTypes = [
  'Microsoft.Resources.ResourceActionSuccess'
]

@export()
@description('data.operationName values of the forwarded action events (ACCEPTED_ACTION_OPERATIONS): a cluster start re-evaluates a cluster that was stopped.')
var acceptedActionOperations = [
  'Microsoft.ContainerService/managedClusters/start/action'
]

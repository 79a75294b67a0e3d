// The Azure Monitor workbook over the app's Application Insights: compliance over time, reaction latency,
// remediations by outcome and rule, throttling and poison messages. Its content is
// ../workbooks/compliance.workbook.json; every telemetry name it queries is declared in src/names.ts,
// and test/unit/infra/workbook.test.ts keeps the two in step.

@description('Azure region of the workbook.')
param location string

@description('Tags applied to the workbook.')
param tags object

@description('Resource id of the Application Insights component: the workbook\'s source, which its queries run against.')
param applicationInsightsId string

@description('azd environment name, shown in the workbook\'s title so that environments sharing a subscription stay apart.')
param environmentName string

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name is a GUID; derived from its source so that every provision updates the same workbook.
  name: guid(applicationInsightsId, 'aks-baseline-guard-compliance-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'AKS Baseline Guard: compliance and remediation (${environmentName})'
    category: 'workbook'
    sourceId: applicationInsightsId
    version: '1.0'
    serializedData: loadTextContent('../workbooks/compliance.workbook.json')
  }
}

@description('Resource id of the workbook.')
output id string = workbook.id

// The Event Grid custom topic ChatSend publishes its message events to (docs/events-and-webhooks.md, "Azure Event Grid"), deployed only
// when main.bicep's eventGridTopic is on. It takes CloudEvents 1.0, the shape ChatSend publishes, and accepts
// only Microsoft Entra ID: local auth (access keys and SAS) is off, so the app publishes with its identity, which
// gets EventGrid Data Sender on this topic alone. Subscriptions (Functions, Logic Apps, queues) are added apart.

@description('Name of the topic (3-50 letters, digits and hyphens, unique in the region).')
@minLength(3)
@maxLength(50)
param name string

@description('Region of the topic.')
param location string

@description('Tags for the topic.')
param tags resourceTags

@description('Object id of the app\'s managed identity, which publishes to the topic.')
param appPrincipalId string

@description('Tag names and values.')
type resourceTags = {
  *: string
}

// Built-in role definition id (the same in every tenant): send events to a topic, nothing else.
var eventGridDataSender = 'd5a91429-5739-47e2-a06b-3470a27159e7'

resource topic 'Microsoft.EventGrid/topics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    minimumTlsVersionAllowed: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource appSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, appPrincipalId, eventGridDataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventGridDataSender)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

@description('Name of the topic.')
output name string = topic.name

@description('Endpoint events are published to (https://<name>.<region>-1.eventgrid.azure.net/api/events).')
output endpoint string = topic.properties.endpoint

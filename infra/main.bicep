// ChatSend in a fresh subscription: one resource group with the storage account (tables, queues, media and
// deployment containers, media lifecycle rule), a Flex Consumption function app running as a user-assigned
// managed identity, Application Insights on Log Analytics, a Key Vault for provider secrets and, when
// eventGridTopic is on, an Event Grid topic for message events. No keys or
// connection secrets reach app settings: every service is reached with the identity and Entra ID roles.
//
//   azd up                                      (azd reads main.bicepparam)
//   az deployment sub create --location <region> --template-file infra/main.bicep --parameters infra/main.bicepparam
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd: AZURE_ENV_NAME). Names the resource group and, with the subscription and location, seeds the unique token in every other resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the person or service principal deploying (azd: AZURE_PRINCIPAL_ID). It gets data roles on the storage account and Key Vault secret management, so the operator commands (sessions, API keys) and secret uploads work with that sign-in. Empty: no operator roles.')
param principalId string = ''

@description('Kind of principal principalId is (azd: AZURE_PRINCIPAL_TYPE).')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Resource group to create or reuse. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

@description('Memory of each function app instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on the instances Flex Consumption scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Shards of each work queue (deliveries, receipts, events, webhook deliveries): the app setting ChatSend__Queues__Shards. Each shard has its own queues, created here, and its own functions; the functions of the shards beyond it are disabled (AzureWebJobs.<function>.Disabled), so they do not poll. One queue takes about 2,000 messages a second. Lower it only after draining the shards it drops (docs/operations.md, "Queue shards"). main.bicepparam reads it from CHATSEND_QUEUE_SHARDS.')
@minValue(1)
@maxValue(4)
param queueShards int = 1

@description('Longest wait, in seconds, between polls of an empty queue by a live instance (host.json\'s queues.maxPollingInterval, set through AzureFunctionsJobHost__extensions__queues__maxPollingInterval). An idle instance polls each queue of an enabled function about 60 / this many times a minute; a job put while a queue was idle waits up to this long. 2 (host.json\'s value) keeps that wait short; 60 (the Functions default) brings an idle instance to about 6 polls a minute per queue shard. main.bicepparam reads it from CHATSEND_QUEUE_POLLING_SECONDS.')
@minValue(1)
@maxValue(60)
param queuePollingSeconds int = 2

@description('Days after which staged media blobs (container "media") are deleted by the storage lifecycle rule.')
@minValue(1)
@maxValue(365)
param mediaRetentionDays int = 7

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Days the Log Analytics workspace keeps logs and traces.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Days a deleted Key Vault (and each deleted secret) can still be recovered.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionDays int = 90

@description('Purge protection on the Key Vault: a deleted vault cannot be purged before its retention ends. Turn on for production; it cannot be turned off again, and "azd down --purge" then leaves the vault name taken until the retention ends.')
param keyVaultPurgeProtection bool = false

@description('Names of the provider secrets sessions use (admin CLI --secret key=<name>; letters, digits and _). Each becomes the app setting ChatSend__Secrets__<name>, a Key Vault reference to the vault secret <name> with _ written as -. Upload the values to the vault; main.bicepparam reads the list from CHATSEND_PROVIDER_SECRETS (comma-separated).')
param providerSecretNames string[] = []

@description('Publish message events to an Event Grid custom topic (CloudEvents 1.0, identity-only auth; the app gets EventGrid Data Sender on it). main.bicepparam reads it from CHATSEND_EVENT_GRID (true/false). Off: no topic, and the app publishes none.')
param eventGridTopic bool = false

@description('Extra tags for every resource (azd-env-name and azd-service-name are added).')
param tags resourceTags = {}

@description('Tag names and values.')
type resourceTags = {
  *: string
}

// Storage names are shared with the app: src/ChatSend/Storage/StorageNames.cs. A test keeps the two equal.
var storageNames = loadJsonContent('storage-names.json')
// Shard 0 is the queues' own names; shard k adds '<queue>-k' and its poison queue for each work queue (StorageNames.QueuesFor).
var shardQueueNames = flatten(map(range(1, queueShards - 1), k => storageNames.queueShards[string(k)]))
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var allTags = union(tags, { 'azd-env-name': environmentName })
var functionAppName = 'func-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: allTags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: allTags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: allTags
    skuName: storageSkuName
    queueNames: concat(map(items(storageNames.queues), q => q.value), shardQueueNames)
    tableNames: map(items(storageNames.tables), t => t.value)
    mediaContainerName: storageNames.containers.media
    deploymentContainerName: 'app-package-${take(functionAppName, 32)}'
    mediaRetentionDays: mediaRetentionDays
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: allTags
    retentionInDays: logRetentionDays
  }
}

module keyVault 'app/key-vault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: allTags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionDays
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

module eventGrid 'app/event-grid.bicep' = if (eventGridTopic) {
  name: 'eventGrid'
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: allTags
    appPrincipalId: identity.outputs.principalId
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: keyVault.outputs.name
    appPrincipalId: identity.outputs.principalId
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: allTags
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    keyVaultName: keyVault.outputs.name
    providerSecretNames: providerSecretNames
    eventGridTopicEndpoint: eventGridTopic ? eventGrid!.outputs.endpoint : ''
    queueShards: queueShards
    queuePollingSeconds: queuePollingSeconds
  }
  // The identity's data roles exist before the host first reaches storage.
  dependsOn: [
    rbac
  ]
}

@description('Region of the deployment.')
output AZURE_LOCATION string = location

@description('Entra ID tenant of the subscription.')
output AZURE_TENANT_ID string = tenant().tenantId

@description('Resource group holding every resource (azd reads AZURE_RESOURCE_GROUP).')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the function app.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Name of the function app that azd deploys the "api" service to.')
output SERVICE_API_NAME string = functionApp.outputs.name

@description('Base URL of ChatSend: POST <uri>/send, GET <uri>/messages/{id}.')
output SERVICE_API_URI string = functionApp.outputs.uri

@description('Name of the storage account (tables, queues, media).')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob endpoint: ChatSendStorage__blobServiceUri for the operator commands.')
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint

@description('Queue endpoint: ChatSendStorage__queueServiceUri for the operator commands.')
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint

@description('Table endpoint: ChatSendStorage__tableServiceUri for the operator commands.')
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint

@description('Name of the Key Vault for provider secrets.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name

@description('URI of the Key Vault for provider secrets.')
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri

@description('Client id of the app\'s user-assigned managed identity.')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId

@description('Endpoint of the Event Grid topic the app publishes message events to; empty when eventGridTopic is off.')
output AZURE_EVENT_GRID_TOPIC_ENDPOINT string = eventGridTopic ? eventGrid!.outputs.endpoint : ''

@description('Name of the Event Grid topic (az eventgrid event-subscription create --source-resource-id); empty when eventGridTopic is off.')
output AZURE_EVENT_GRID_TOPIC_NAME string = eventGridTopic ? eventGrid!.outputs.name : ''

@description('Name of the Application Insights resource.')
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName

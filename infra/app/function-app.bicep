// The Flex Consumption plan and the function app (dotnet-isolated, .NET 10) running as the user-assigned
// identity. Its app settings hold no keys: storage, telemetry and the deployment package are all reached with
// the identity. (Basic publishing credentials are off by default on new function apps; azd deploys with Entra ID.)

@description('Name of the function app (globally unique; <name>.azurewebsites.net).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Region of the plan and the app.')
param location string

@description('Tags for the plan and the app; the app also gets azd-service-name.')
param tags resourceTags

@description('Name of the user-assigned managed identity the app runs as.')
param identityName string

@description('Name of the storage account for the host (AzureWebJobsStorage) and for ChatSend (ChatSendStorage).')
param storageAccountName string

@description('Container in that account that Flex Consumption deploys the app package from.')
param deploymentContainerName string

@description('Name of the Application Insights resource.')
param applicationInsightsName string

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on the instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Name of the Key Vault holding the provider secrets.')
param keyVaultName string

@description('Names of the provider secrets sessions use; each becomes a Key Vault reference in ChatSend__Secrets__<name>.')
param providerSecretNames string[]

@description('Endpoint of the Event Grid topic message events are published to; empty: none are published.')
param eventGridTopicEndpoint string

@description('Shards of each work queue (ChatSend__Queues__Shards); the functions of the shards beyond it are disabled.')
@minValue(1)
@maxValue(4)
param queueShards int

@description('Longest wait, in seconds, between polls of an empty queue (host.json\'s queues.maxPollingInterval).')
@minValue(1)
@maxValue(60)
param queuePollingSeconds int

@description('Service name azd deploys to this app (azure.yaml services).')
param serviceName string = 'api'

@description('Tag names and values.')
type resourceTags = {
  *: string
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
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

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references in app settings (@Microsoft.KeyVault(SecretUri=...)) resolve with this identity.
    keyVaultReferenceIdentity: identity.id
    // Flex Consumption takes runtime and scale from functionAppConfig and has no FTP; only TLS is set here. No
    // healthCheckPath: App Service health check is not a Flex Consumption feature (docs/operations.md, "Health probes"); /health/ready is
    // for probes from outside.
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Every setting the app reads. The ChatSend__<Section>__<Property> values are the defaults of the options
// classes in src/ChatSend (DeliveryOptions, CacheOptions, SweeperOptions, SandboxOptions, MediaOptions, WhatsAppCloudOptions,
// WebhookOptions, EventsOptions, HealthOptions, QueuesOptions); change them here to tune a deployment.
// tests/ChatSend.Tests/Infra checks that every options property has its setting here and in
// local.settings.sample.json, so a new option cannot be forgotten.
module appSettings 'app-settings.bicep' = {
  name: 'appSettings'
  params: {
    appName: app.name
    keyVaultName: keyVaultName
    providerSecretNames: providerSecretNames
    settings: {
      // Functions host storage, through the identity.
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.properties.clientId

      // ChatSend's storage connection (StorageNames.Connection), used by the queue triggers and the app's clients.
      ChatSendStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      ChatSendStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      ChatSendStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      ChatSendStorage__credential: 'managedidentity'
      ChatSendStorage__clientId: identity.properties.clientId

      // host.json's queues.maxPollingInterval, from main.bicep's queuePollingSeconds (2 s, as host.json has it, unless
      // set): what an idle instance's polling costs against how long a job put meanwhile waits.
      AzureFunctionsJobHost__extensions__queues__maxPollingInterval: queuePollingSeconds == 60 ? '00:01:00' : '00:00:${padLeft(string(queuePollingSeconds), 2, '0')}'

      // Telemetry with Entra ID auth: the connection string only locates the resource (local auth is off).
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'

      // DeliveryOptions (ChatSend:Delivery)
      ChatSend__Delivery__MaxAttempts: '5'
      ChatSend__Delivery__RetryBaseDelay: '00:00:02'
      ChatSend__Delivery__RetryMaxDelay: '00:05:00'
      ChatSend__Delivery__ClaimLease: '00:01:00'
      ChatSend__Delivery__UnknownOutcome: 'Resend'
      ChatSend__Delivery__SweepAfter: '00:01:00'

      // CacheOptions (ChatSend:Cache): a revoked key or a disabled session takes effect on every instance within these
      ChatSend__Cache__ApiKeys: '00:00:30'
      ChatSend__Cache__Sessions: '00:00:30'

      // NumberCheckOptions (ChatSend:NumberCheck): how long a provider's number check answer is kept, and waited for
      ChatSend__NumberCheck__OnWhatsAppFor: '1.00:00:00'
      ChatSend__NumberCheck__NotOnWhatsAppFor: '01:00:00'
      ChatSend__NumberCheck__UnknownFor: '00:01:00'
      ChatSend__NumberCheck__Timeout: '00:00:05'

      // PacingOptions (ChatSend:Pacing): the window maxPerMinute counts in
      ChatSend__Pacing__Window: '00:01:00'

      // SweeperOptions (ChatSend:Sweeper); in Azure the sweeper runs on its timer trigger, every minute
      ChatSend__Sweeper__Interval: '00:01:00'
      ChatSend__Sweeper__OrphanMediaAge: '01:00:00'
      ChatSend__Sweeper__FullPassInterval: '01:00:00'

      // SandboxOptions (ChatSend:Sandbox)
      ChatSend__Sandbox__DeliveredAfter: '00:00:01'
      ChatSend__Sandbox__ReadAfter: '00:00:02'

      // MediaOptions (ChatSend:Media). AllowedPrivateNetworks stays empty in Azure: media is never fetched from
      // private or reserved addresses.
      ChatSend__Media__ImageMaxBytes: '16777216'
      ChatSend__Media__VideoMaxBytes: '16777216'
      ChatSend__Media__DocumentMaxBytes: '16777216'
      ChatSend__Media__PttMaxBytes: '16777216'
      ChatSend__Media__ConnectTimeout: '00:00:05'
      ChatSend__Media__Timeout: '00:01:00'
      ChatSend__Media__AllowedPrivateNetworks: ''
      ChatSend__Media__SasValidity: '01:00:00'

      // WhatsAppCloudOptions (ChatSend:WhatsAppCloud): one Cloud API call, below the delivery claim lease; how long a
      // session's template catalogue is used before it is read again
      ChatSend__WhatsAppCloud__Timeout: '00:00:30'
      ChatSend__WhatsAppCloud__TemplatesFreshness: '00:10:00'

      // WebhookOptions (ChatSend:Webhooks). The key that encrypts webhook secrets is the Key Vault reference
      // ChatSend__Secrets__<SecretKeyName>: list webhook_secrets_key in providerSecretNames (CHATSEND_PROVIDER_SECRETS).
      // AllowHttp stays false in Azure: webhooks are https only.
      ChatSend__Webhooks__SecretKeyName: 'webhook_secrets_key'
      ChatSend__Webhooks__LogSize: '20'
      ChatSend__Webhooks__RotationGrace: '1.00:00:00'
      ChatSend__Webhooks__AllowHttp: 'false'
      ChatSend__Webhooks__MaxPerSession: '10'
      ChatSend__Webhooks__Timeout: '00:00:10'
      ChatSend__Webhooks__RetryFor: '1.00:00:00'

      // EventsOptions (ChatSend:Events): the topic from event-grid.bicep, published to with the identity (EventGrid
      // Data Sender); empty when main.bicep's eventGridTopic is off. Events handed over within the window go out
      // as one request.
      ChatSend__Events__EventGridTopicEndpoint: eventGridTopicEndpoint
      ChatSend__Events__BatchWindow: '00:00:00.0100000'
      ChatSend__Events__MaxBatchEvents: '100'

      // HealthOptions (ChatSend:Health): how long GET /health/ready reuses its answer, and each check's time limit
      ChatSend__Health__CacheFor: '00:00:05'
      ChatSend__Health__Timeout: '00:00:03'

      // QueuesOptions (ChatSend:Queues): shards of each work queue, from main.bicep's queueShards. Shard k's functions
      // (QueueEndpoints: <name>k) are disabled while k is not in use, with the Functions host's documented setting
      // AzureWebJobs.<function>.Disabled, so their queues are not polled; shard 0's always run.
      ChatSend__Queues__Shards: string(queueShards)
      'AzureWebJobs.Deliver1.Disabled': queueShards > 1 ? 'false' : 'true'
      'AzureWebJobs.DeliveryFailed1.Disabled': queueShards > 1 ? 'false' : 'true'
      'AzureWebJobs.ApplyReceipt1.Disabled': queueShards > 1 ? 'false' : 'true'
      'AzureWebJobs.DispatchEvents1.Disabled': queueShards > 1 ? 'false' : 'true'
      'AzureWebJobs.DeliverWebhook1.Disabled': queueShards > 1 ? 'false' : 'true'
      'AzureWebJobs.WebhookDeliveryFailed1.Disabled': queueShards > 1 ? 'false' : 'true'
      'AzureWebJobs.Deliver2.Disabled': queueShards > 2 ? 'false' : 'true'
      'AzureWebJobs.DeliveryFailed2.Disabled': queueShards > 2 ? 'false' : 'true'
      'AzureWebJobs.ApplyReceipt2.Disabled': queueShards > 2 ? 'false' : 'true'
      'AzureWebJobs.DispatchEvents2.Disabled': queueShards > 2 ? 'false' : 'true'
      'AzureWebJobs.DeliverWebhook2.Disabled': queueShards > 2 ? 'false' : 'true'
      'AzureWebJobs.WebhookDeliveryFailed2.Disabled': queueShards > 2 ? 'false' : 'true'
      'AzureWebJobs.Deliver3.Disabled': queueShards > 3 ? 'false' : 'true'
      'AzureWebJobs.DeliveryFailed3.Disabled': queueShards > 3 ? 'false' : 'true'
      'AzureWebJobs.ApplyReceipt3.Disabled': queueShards > 3 ? 'false' : 'true'
      'AzureWebJobs.DispatchEvents3.Disabled': queueShards > 3 ? 'false' : 'true'
      'AzureWebJobs.DeliverWebhook3.Disabled': queueShards > 3 ? 'false' : 'true'
      'AzureWebJobs.WebhookDeliveryFailed3.Disabled': queueShards > 3 ? 'false' : 'true'
    }
  }
}

@description('Name of the function app.')
output name string = app.name

@description('Base URL of the function app (https://<default host name>).')
output uri string = 'https://${app.properties.defaultHostName}'

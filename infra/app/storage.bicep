// ChatSend's storage account, shared by the Functions host (AzureWebJobsStorage) and the app (ChatSendStorage):
// Entra ID only (shared key access off), HTTPS and TLS 1.2 only, no anonymous blob access. Creates every queue,
// table and container the app uses, the container Flex Consumption deploys the app package from, and the
// lifecycle rule that deletes staged media.

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the storage account.')
param location string

@description('Tags for the storage account.')
param tags resourceTags

@description('Replication of the storage account.')
param skuName string

@description('Queues to create, poison queues included, of every queue shard in use (StorageNames.QueuesFor).')
param queueNames string[]

@description('Tables to create (StorageNames.Tables).')
param tableNames string[]

@description('Container for staged media (StorageNames.MediaContainer); the lifecycle rule applies to it.')
param mediaContainerName string

@description('Container Flex Consumption deploys the app package from.')
param deploymentContainerName string

@description('Days after the last write at which a staged media blob is deleted.')
@minValue(1)
param mediaRetentionDays int

@description('Tag names and values.')
type resourceTags = {
  *: string
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource mediaContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: mediaContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

// The Functions host would create the poison queues on first use; created here so nothing depends on that.
resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

// Staged media is written once and read by the provider shortly after; the rules remove what is left. Customers'
// files are named by their message id too ('msg_…'), so the first rule keeps them as long. Media of scheduled messages
// (blob names under 'scheduled/', MediaStager.ScheduledPrefix) may wait up to 35 days to be sent.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-staged-media'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${mediaContainerName}/msg_'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: mediaRetentionDays
                }
              }
            }
          }
        }
        {
          name: 'delete-scheduled-media'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${mediaContainerName}/scheduled/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: mediaRetentionDays + 35
                }
              }
            }
          }
        }
      ]
    }
  }
}

@description('Name of the storage account.')
output name string = storage.name

@description('Resource id of the storage account.')
output id string = storage.id

@description('Blob service endpoint (https://<account>.blob.<suffix>/).')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

@description('Queue service endpoint.')
output queueEndpoint string = storage.properties.primaryEndpoints.queue

@description('Table service endpoint.')
output tableEndpoint string = storage.properties.primaryEndpoints.table

@description('Name of the deployment package container.')
output deploymentContainerName string = deploymentContainer.name

@description('Name of the media container.')
output mediaContainerName string = mediaContainer.name

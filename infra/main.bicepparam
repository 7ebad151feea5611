// Parameters for infra/main.bicep. azd sets AZURE_ENV_NAME, AZURE_LOCATION and AZURE_PRINCIPAL_ID (and
// AZURE_PRINCIPAL_TYPE); with az, export them first or change the fallbacks below.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'chatsend-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'eastus2')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')

// Provider secrets by name (azd env set CHATSEND_PROVIDER_SECRETS meta_token,meta_app_secret): each is read from the
// vault through a Key Vault reference. Empty entries (an unset variable, a trailing comma) are left out.
param providerSecretNames = filter(map(split(readEnvironmentVariable('CHATSEND_PROVIDER_SECRETS', ''), ','), name => trim(name)), name => !empty(name))

// Message events to an Event Grid custom topic (azd env set CHATSEND_EVENT_GRID true); off unless set to true.
param eventGridTopic = toLower(readEnvironmentVariable('CHATSEND_EVENT_GRID', 'false')) == 'true'

// Shards of each work queue (azd env set CHATSEND_QUEUE_SHARDS 4); 1 unless set. Lower it only after draining the
// shards it drops (docs/operations.md, "Queue shards").
param queueShards = int(readEnvironmentVariable('CHATSEND_QUEUE_SHARDS', '1'))

// Longest wait between polls of an empty queue, in seconds (azd env set CHATSEND_QUEUE_POLLING_SECONDS 60); 2 unless
// set. Higher: fewer storage calls while idle, a longer wait for the first job after a quiet spell (docs/operations.md,
// "Idle cost").
param queuePollingSeconds = int(readEnvironmentVariable('CHATSEND_QUEUE_POLLING_SECONDS', '2'))

// Examples of the tunables; every one has a default in main.bicep.
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param mediaRetentionDays = 7
param keyVaultPurgeProtection = false
param tags = {
  app: 'chatsend'
}

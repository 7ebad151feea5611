// Parameters for infra/main.bicep. azd sets AZURE_ENV_NAME, AZURE_LOCATION and AZURE_PRINCIPAL_ID (and
// AZURE_PRINCIPAL_TYPE); with az, export them first or change the fallbacks below.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'chatsend-dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'eastus2')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
param principalType = readEnvironmentVariable('AZURE_PRINCIPAL_TYPE', 'User')

// Examples of the tunables; every one has a default in main.bicep.
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param mediaRetentionDays = 7
param keyVaultPurgeProtection = false
param tags = {
  app: 'chatsend'
}

// Key Vault for provider secrets (channel API tokens, webhook secrets), in RBAC mode: no access policies.
// The app reads secrets as Key Vault Secrets User; the operator manages them as Key Vault Secrets Officer.

@description('Name of the vault (3-24 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Region of the vault.')
param location string

@description('Tags for the vault.')
param tags resourceTags

@description('Days a deleted vault or secret can still be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Whether a deleted vault is protected from purge until its retention ends (irreversible once on).')
param enablePurgeProtection bool

@description('Tag names and values.')
type resourceTags = {
  *: string
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // The service refuses an explicit false: leave the property out unless it is turned on.
    enablePurgeProtection: enablePurgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

@description('Name of the vault.')
output name string = vault.name

@description('URI of the vault (https://<name>.vault.azure.net/).')
output uri string = vault.properties.vaultUri

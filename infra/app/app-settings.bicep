// The function app's app settings: the plain ones the caller passes, plus one Key Vault reference per provider
// secret. A session stores only a secret's name (docs/providers.md); the app reads its value from
// ChatSend__Secrets__<name>, which the platform resolves from the vault with the app's identity (Key Vault
// Secrets User), so no secret value is ever in a template, a setting or a deployment's history.

@description('Name of the function app whose settings these are.')
param appName string

@description('Every setting that is not a secret, name to string value.')
param settings appSettings

@description('Name of the Key Vault holding the provider secrets.')
param keyVaultName string

@description('Names of the provider secrets sessions use (letters, digits and _, as the admin CLI takes them). The vault secret of name a_b is a-b: Key Vault names allow letters, digits and hyphens.')
param providerSecretNames string[]

@description('Setting names and string values.')
type appSettings = {
  *: string
}

resource app 'Microsoft.Web/sites@2024-11-01' existing = {
  name: appName
}

// No version in the reference: the platform picks up a new version of a secret within a day, or at once on a restart.
var secretSettings = toObject(
  providerSecretNames,
  name => 'ChatSend__Secrets__${name}',
  name => '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${replace(name, '_', '-')})'
)

resource appSettingsConfig 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: union(settings, secretSettings)
}

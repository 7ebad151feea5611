// The user-assigned managed identity the function app runs as: host storage, ChatSend's storage connection,
// Application Insights ingestion, deployment package download and Key Vault references all use it.

@description('Name of the identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags for the identity.')
param tags resourceTags

@description('Tag names and values.')
type resourceTags = {
  *: string
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Name of the identity.')
output name string = identity.name

@description('Resource id of the identity.')
output id string = identity.id

@description('Client id of the identity (the __clientId settings).')
output clientId string = identity.properties.clientId

@description('Object id of the identity\'s service principal (role assignments).')
output principalId string = identity.properties.principalId

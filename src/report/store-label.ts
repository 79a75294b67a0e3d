// How the report names the store it read, for people: an account name or a table endpoint, never a key or a SAS.

type StorageSettings = { connectionString: string } | { accountName: string; clientId?: string };

function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const pair of value.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) parts.set(pair.slice(0, at).trim().toLowerCase(), pair.slice(at + 1).trim());
  }
  return parts;
}

/** The account and its table endpoint of a connection string; nothing else from it. */
export function describeConnectionString(value: string): string {
  const parts = connectionStringParts(value);
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return 'Azurite (UseDevelopmentStorage=true)';
  const account = parts.get('accountname');
  const endpoint = parts.get('tableendpoint');
  if (endpoint) return account ? `${account} at ${endpoint}` : endpoint;
  return `storage account ${account ?? '(unnamed)'}`;
}

/** Whether a connection string names a store at all (an account or a table endpoint, or the development storage). */
export function namesAStore(value: string): boolean {
  const parts = connectionStringParts(value);
  return parts.get('usedevelopmentstorage')?.toLowerCase() === 'true' || parts.has('tableendpoint') || parts.has('accountname');
}

export function describeStore(storage: StorageSettings): string {
  return 'connectionString' in storage ? describeConnectionString(storage.connectionString) : `storage account ${storage.accountName}`;
}

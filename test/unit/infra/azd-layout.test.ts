// azd conventions and the security settings a reviewer would look for first: azure.yaml, main.bicep
// at subscription scope with main.parameters.json, described parameters, identity-only storage,
// Flex Consumption on Node 22, App Insights without local auth.
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import {
  type BicepFile,
  Resolver,
  declarationName,
  declarations,
  decoratorNames,
  infraFile,
  loadInfra,
  property,
  propertyPath,
  repoRoot,
  required,
  resourceBody,
  resourcesOfType,
} from '../../support/bicep.js';

interface AzureYaml {
  name?: string;
  infra?: { provider?: string; path?: string; module?: string };
  services?: Record<string, { project?: string; language?: string; host?: string }>;
  hooks?: Record<string, Record<string, { shell?: string; run?: string }>>;
}

interface ParametersFile {
  parameters: Record<string, { value: unknown }>;
}

const readText = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');

describe('azd layout', () => {
  let files: BicepFile[];
  let resolver: Resolver;
  let azureYaml: AzureYaml;

  beforeAll(async () => {
    files = await loadInfra();
    resolver = new Resolver(files);
    azureYaml = parseYaml(readText('azure.yaml')) as AzureYaml;
  });

  test('declares one Functions service built from the repository root in TypeScript', () => {
    expect(azureYaml.name).toBe('aks-baseline-guard');
    expect(azureYaml.services).toStrictEqual({ api: { project: '.', language: 'ts', host: 'function' } });
    expect(azureYaml.infra).toStrictEqual({ provider: 'bicep', path: 'infra', module: 'main' });
  });

  test('runs a postdeploy hook that exists on both shells and provisions the event subscriptions', () => {
    // postdeploy needs a posix and a windows hook.
    const postdeploy = azureYaml.hooks?.postdeploy;
    expect(postdeploy).toMatchObject({ posix: { run: expect.any(String) }, windows: { run: expect.any(String) } });
    const posix = required(postdeploy?.posix?.run, 'hooks.postdeploy.posix.run').replace(/^\.\//, '');
    const windows = required(postdeploy?.windows?.run, 'hooks.postdeploy.windows.run').replace(/^\.\//, '');

    // The posix hook is executable.
    expect(() => accessSync(path.join(repoRoot, posix), constants.X_OK)).not.toThrow();
    // Each hook sets DEPLOY_EVENT_SUBSCRIPTION and provisions again.
    for (const script of [posix, windows]) {
      const text = readText(script);
      expect(text).toMatch(/azd env set DEPLOY_EVENT_SUBSCRIPTION true/);
      expect(text).toMatch(/azd provision --no-prompt/);
    }
    const parameters = JSON.parse(readText('infra/main.parameters.json')) as ParametersFile;
    expect(parameters.parameters.deployEventSubscription?.value).toBe('${DEPLOY_EVENT_SUBSCRIPTION=false}');
  });

  test('deploys main.bicep at subscription scope into rg-<environment> tagged azd-env-name', () => {
    const main = infraFile(files, 'infra/main.bicep');

    const groups = declarations(main, 'resource_declaration').filter((r) => r.text.includes("'Microsoft.Resources/resourceGroups@"));
    const tagsVar = required(
      declarations(main, 'variable_declaration').find((v) => declarationName(v) === 'tags'),
      'var tags in main.bicep',
    );

    expect(main.source).toMatch(/^targetScope = 'subscription'$/m);
    expect(groups).toHaveLength(1);
    const group = resourceBody(groups[0]!).body;
    expect(resolver.template(property(group, 'name')!)).toBe('rg-${environmentName}');
    expect(property(group, 'tags')?.text).toBe('tags');
    expect(property(tagsVar.namedChildren.at(-1)!, 'azd-env-name')?.text).toBe('environmentName');
  });

  test('tags the Function App with azd-service-name matching the azure.yaml service', () => {
    const main = infraFile(files, 'infra/main.bicep');
    const functionApp = required(
      declarations(main, 'module_declaration').find((m) => declarationName(m) === 'functionApp'),
      'module functionApp in main.bicep',
    );

    const serviceName = resolver.literal(propertyPath(resourceBody(functionApp).body, 'params', 'azdServiceName')!);
    const site = resourcesOfType(files, 'Microsoft.Web/sites')[0]!;

    // azdServiceName is a service in azure.yaml.
    expect(Object.keys(azureYaml.services ?? {})).toContain(serviceName);
    expect(property(site.body.body, 'tags')?.text).toMatch(/'azd-service-name': azdServiceName/);
  });

  test('maps the azd environment into main.parameters.json and covers every required parameter', () => {
    const main = infraFile(files, 'infra/main.bicep');
    const parameters = JSON.parse(readText('infra/main.parameters.json')) as ParametersFile;
    const declared = new Map(declarations(main, 'parameter_declaration').map((p) => [declarationName(p), p]));

    // Parameters main.parameters.json sets but main.bicep does not declare.
    const undeclared = Object.keys(parameters.parameters).filter((name) => !declared.has(name));
    // Required parameters (no default) missing from main.parameters.json.
    const unset = [...declared].filter(([name, declaration]) => !declaration.text.includes('=') && !(name in parameters.parameters)).map(([name]) => name);

    expect(undeclared).toStrictEqual([]);
    expect(unset).toStrictEqual([]);
    expect(parameters.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.parameters.location?.value).toBe('${AZURE_LOCATION}');
    expect(parameters.parameters.principalId?.value).toBe('${AZURE_PRINCIPAL_ID}');
    expect(Object.keys(parameters.parameters)).toContain('targetSubscriptionIds');
    // location needs @metadata (azd type location).
    expect(decoratorNames(declared.get('location')!)).toContain('metadata');
  });

  test('describes every parameter of every Bicep file', () => {
    const undocumented = files.flatMap((parsed) =>
      declarations(parsed, 'parameter_declaration')
        .filter((p) => !decoratorNames(p).includes('description'))
        .map((p) => `${parsed.file}: param ${declarationName(p)}`),
    );

    expect(undocumented).toStrictEqual([]);
  });

  test('runs the app on Flex Consumption (FC1), Node 22, deploying with the user-assigned identity', () => {
    const plan = resourcesOfType(files, 'Microsoft.Web/serverfarms')[0]!.body.body;
    const site = resourcesOfType(files, 'Microsoft.Web/sites')[0]!.body.body;
    const storage = propertyPath(site, 'properties', 'functionAppConfig', 'deployment', 'storage')!;

    expect(resolver.literal(property(plan, 'sku')!)).toStrictEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(resolver.literal(property(site, 'kind')!)).toBe('functionapp,linux');
    expect(resolver.literal(propertyPath(site, 'identity', 'type')!)).toBe('UserAssigned');
    expect(resolver.literal(propertyPath(site, 'properties', 'httpsOnly')!)).toBe(true);
    expect(resolver.literal(propertyPath(site, 'properties', 'functionAppConfig', 'runtime')!)).toStrictEqual({ name: 'node', version: '22' });
    expect(resolver.literal(property(storage, 'type')!)).toBe('blobContainer');
    expect(resolver.literal(propertyPath(storage, 'authentication', 'type')!)).toBe('UserAssignedIdentity');
  });

  test('keeps storage keyless, TLS 1.2+, HTTPS-only and private', () => {
    const accounts = resourcesOfType(files, 'Microsoft.Storage/storageAccounts').filter(({ declaration }) => !/\sexisting\s/.test(declaration.text.split('{')[0] ?? ''));

    expect(accounts).toHaveLength(1);
    const properties = property(accounts[0]!.body.body, 'properties')!;
    expect(resolver.literal(property(properties, 'allowSharedKeyAccess')!)).toBe(false);
    expect(resolver.literal(property(properties, 'minimumTlsVersion')!)).toBe('TLS1_2');
    expect(resolver.literal(property(properties, 'supportsHttpsTrafficOnly')!)).toBe(true);
    expect(resolver.literal(property(properties, 'allowBlobPublicAccess')!)).toBe(false);
  });

  test('turns off local (key) auth on Application Insights and backs it with Log Analytics', () => {
    const components = resourcesOfType(files, 'Microsoft.Insights/components');

    expect(components).toHaveLength(1);
    const properties = property(components[0]!.body.body, 'properties')!;
    expect(resolver.literal(property(properties, 'DisableLocalAuth')!)).toBe(true);
    // Application Insights must be workspace-based.
    expect(property(properties, 'WorkspaceResourceId')).toBeDefined();
  });

  test('creates the events topic only when enabled: CloudEvents 1.0, Entra ID only, its endpoint in the app settings and azd outputs', () => {
    const main = infraFile(files, 'infra/main.bicep');
    const topics = resourcesOfType(files, 'Microsoft.EventGrid/topics');
    const enable = required(
      declarations(main, 'parameter_declaration').find((p) => declarationName(p) === 'enableEventsTopic'),
      'param enableEventsTopic in main.bicep',
    );
    const outputs = new Map(declarations(main, 'output_declaration').map((o) => [declarationName(o), o.namedChildren.at(-1)?.text]));
    const functionApp = required(
      declarations(main, 'module_declaration').find((m) => declarationName(m) === 'functionApp'),
      'module functionApp in main.bicep',
    );

    // Off unless asked for.
    expect(enable.text.replace(/\s+/g, ' ')).toMatch(/ bool = false$/);
    expect(topics).toHaveLength(1);
    const topic = topics[0]!;
    // The newest stable api-version in the REST specs at the time of writing.
    expect(topic.declaration.text).toContain("'Microsoft.EventGrid/topics@2025-02-15'");
    expect(resolver.literal(property(topic.body.body, 'properties')!)).toStrictEqual({
      inputSchema: 'CloudEventSchemaV1_0',
      disableLocalAuth: true,
      publicNetworkAccess: 'Enabled',
    });
    // Settings and outputs carry the endpoint only when the topic exists.
    expect(propertyPath(resourceBody(functionApp).body, 'params', 'eventsTopicEndpoint')?.text).toBe("enableEventsTopic ? eventsTopic.outputs.endpoint : ''");
    expect(outputs.get('EVENTS_TOPIC_ENDPOINT')).toBe("enableEventsTopic ? eventsTopic.outputs.endpoint : ''");
    expect(outputs.get('EVENTS_TOPIC_ID')).toBe("enableEventsTopic ? eventsTopic.outputs.id : ''");
    const parameters = JSON.parse(readText('infra/main.parameters.json')) as ParametersFile;
    expect(parameters.parameters.enableEventsTopic?.value).toBe('${ENABLE_EVENTS_TOPIC=false}');
  });

  test('keeps the Event Grid webhook reachable when Entra ID authentication guards the HTTP routes', () => {
    const auth = resourcesOfType(files, 'Microsoft.Web/sites/config').filter(({ body }) => property(body.body, 'name')?.text === "'authsettingsV2'");

    expect(auth).toHaveLength(1);
    const validation = propertyPath(auth[0]!.body.body, 'properties', 'globalValidation')!;
    expect(resolver.literal(property(validation, 'requireAuthentication')!)).toBe(true);
    // Otherwise Event Grid would get 401.
    expect(resolver.strings(property(validation, 'excludedPaths')!)).toContain('/runtime/webhooks/eventgrid');
  });
});

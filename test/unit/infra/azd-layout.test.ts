// azd conventions and the security settings a reviewer would look for first: azure.yaml, main.bicep
// at subscription scope with main.parameters.json, described parameters, identity-only storage,
// Flex Consumption on Node 22, App Insights without local auth.
import assert from 'node:assert/strict';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
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

  before(async () => {
    files = await loadInfra();
    resolver = new Resolver(files);
    azureYaml = parseYaml(readText('azure.yaml')) as AzureYaml;
  });

  it('declares one Functions service built from the repository root in TypeScript', () => {
    assert.equal(azureYaml.name, 'aks-baseline-guard');
    assert.deepEqual(azureYaml.services, { api: { project: '.', language: 'ts', host: 'function' } });
    assert.deepEqual(azureYaml.infra, { provider: 'bicep', path: 'infra', module: 'main' });
  });

  it('runs a postdeploy hook that exists on both shells and provisions the event subscriptions', () => {
    const postdeploy = azureYaml.hooks?.postdeploy;
    assert.ok(postdeploy?.posix?.run && postdeploy.windows?.run, 'postdeploy needs a posix and a windows hook');
    const posix = postdeploy.posix.run.replace(/^\.\//, '');
    accessSync(path.join(repoRoot, posix), constants.X_OK);
    for (const script of [posix, postdeploy.windows.run.replace(/^\.\//, '')]) {
      const text = readText(script);
      assert.match(text, /azd env set DEPLOY_EVENT_SUBSCRIPTION true/, `${script} does not set DEPLOY_EVENT_SUBSCRIPTION`);
      assert.match(text, /azd provision --no-prompt/, `${script} does not provision again`);
    }
    const parameters = JSON.parse(readText('infra/main.parameters.json')) as ParametersFile;
    assert.equal(parameters.parameters.deployEventSubscription?.value, '${DEPLOY_EVENT_SUBSCRIPTION=false}');
  });

  it('deploys main.bicep at subscription scope into rg-<environment> tagged azd-env-name', () => {
    const main = infraFile(files, 'infra/main.bicep');
    assert.match(main.source, /^targetScope = 'subscription'$/m);
    const groups = declarations(main, 'resource_declaration').filter((r) => r.text.includes("'Microsoft.Resources/resourceGroups@"));
    assert.equal(groups.length, 1);
    const group = resourceBody(groups[0]!).body;
    assert.equal(resolver.template(property(group, 'name')!), 'rg-${environmentName}');
    assert.equal(property(group, 'tags')?.text, 'tags');
    const tagsVar = declarations(main, 'variable_declaration').find((v) => declarationName(v) === 'tags');
    assert.equal(property(tagsVar!.namedChildren.at(-1)!, 'azd-env-name')?.text, 'environmentName');
  });

  it('tags the Function App with azd-service-name matching the azure.yaml service', () => {
    const main = infraFile(files, 'infra/main.bicep');
    const functionApp = declarations(main, 'module_declaration').find((m) => declarationName(m) === 'functionApp');
    assert.ok(functionApp);
    const serviceName = resolver.literal(propertyPath(resourceBody(functionApp).body, 'params', 'azdServiceName')!);
    assert.ok(typeof serviceName === 'string' && azureYaml.services?.[serviceName], `azdServiceName ${JSON.stringify(serviceName)} is not a service in azure.yaml`);
    const site = resourcesOfType(files, 'Microsoft.Web/sites')[0]!;
    assert.match(property(site.body.body, 'tags')?.text ?? '', /'azd-service-name': azdServiceName/);
  });

  it('maps the azd environment into main.parameters.json and covers every required parameter', () => {
    const main = infraFile(files, 'infra/main.bicep');
    const parameters = JSON.parse(readText('infra/main.parameters.json')) as ParametersFile;
    const declared = new Map(declarations(main, 'parameter_declaration').map((p) => [declarationName(p), p]));
    for (const name of Object.keys(parameters.parameters)) assert.ok(declared.has(name), `main.parameters.json sets ${name}, which main.bicep does not declare`);
    for (const [name, declaration] of declared) {
      const hasDefault = declaration.text.includes('=');
      if (!hasDefault) assert.ok(name in parameters.parameters, `required parameter ${name} is missing from main.parameters.json`);
    }
    assert.equal(parameters.parameters.environmentName?.value, '${AZURE_ENV_NAME}');
    assert.equal(parameters.parameters.location?.value, '${AZURE_LOCATION}');
    assert.equal(parameters.parameters.principalId?.value, '${AZURE_PRINCIPAL_ID}');
    assert.ok('targetSubscriptionIds' in parameters.parameters);
    assert.deepEqual(decoratorNames(declared.get('location')!).includes('metadata'), true, 'location needs @metadata azd type location');
  });

  it('describes every parameter of every Bicep file', () => {
    const undocumented = files.flatMap((parsed) =>
      declarations(parsed, 'parameter_declaration')
        .filter((p) => !decoratorNames(p).includes('description'))
        .map((p) => `${parsed.file}: param ${declarationName(p)}`),
    );
    assert.deepEqual(undocumented, []);
  });

  it('runs the app on Flex Consumption (FC1), Node 22, deploying with the user-assigned identity', () => {
    const plan = resourcesOfType(files, 'Microsoft.Web/serverfarms')[0]!.body.body;
    assert.deepEqual(resolver.literal(property(plan, 'sku')!), { name: 'FC1', tier: 'FlexConsumption' });
    const site = resourcesOfType(files, 'Microsoft.Web/sites')[0]!.body.body;
    assert.equal(resolver.literal(property(site, 'kind')!), 'functionapp,linux');
    assert.equal(resolver.literal(propertyPath(site, 'identity', 'type')!), 'UserAssigned');
    assert.equal(resolver.literal(propertyPath(site, 'properties', 'httpsOnly')!), true);
    assert.deepEqual(resolver.literal(propertyPath(site, 'properties', 'functionAppConfig', 'runtime')!), { name: 'node', version: '22' });
    const storage = propertyPath(site, 'properties', 'functionAppConfig', 'deployment', 'storage')!;
    assert.equal(resolver.literal(property(storage, 'type')!), 'blobContainer');
    assert.equal(resolver.literal(propertyPath(storage, 'authentication', 'type')!), 'UserAssignedIdentity');
  });

  it('keeps storage keyless, TLS 1.2+, HTTPS-only and private', () => {
    const accounts = resourcesOfType(files, 'Microsoft.Storage/storageAccounts').filter(({ declaration }) => !/\sexisting\s/.test(declaration.text.split('{')[0] ?? ''));
    assert.equal(accounts.length, 1);
    const properties = property(accounts[0]!.body.body, 'properties')!;
    assert.equal(resolver.literal(property(properties, 'allowSharedKeyAccess')!), false);
    assert.equal(resolver.literal(property(properties, 'minimumTlsVersion')!), 'TLS1_2');
    assert.equal(resolver.literal(property(properties, 'supportsHttpsTrafficOnly')!), true);
    assert.equal(resolver.literal(property(properties, 'allowBlobPublicAccess')!), false);
  });

  it('turns off local (key) auth on Application Insights and backs it with Log Analytics', () => {
    const components = resourcesOfType(files, 'Microsoft.Insights/components');
    assert.equal(components.length, 1);
    const properties = property(components[0]!.body.body, 'properties')!;
    assert.equal(resolver.literal(property(properties, 'DisableLocalAuth')!), true);
    assert.ok(property(properties, 'WorkspaceResourceId'), 'Application Insights must be workspace-based');
  });

  it('keeps the Event Grid webhook reachable when Entra ID authentication guards the HTTP routes', () => {
    const auth = resourcesOfType(files, 'Microsoft.Web/sites/config').filter(({ body }) => property(body.body, 'name')?.text === "'authsettingsV2'");
    assert.equal(auth.length, 1);
    const validation = propertyPath(auth[0]!.body.body, 'properties', 'globalValidation')!;
    assert.equal(resolver.literal(property(validation, 'requireAuthentication')!), true);
    assert.ok(resolver.strings(property(validation, 'excludedPaths')!)?.includes('/runtime/webhooks/eventgrid'), 'Event Grid would get 401');
  });
});

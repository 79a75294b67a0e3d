// Least privilege, pinned: the only role ids and actions infra/ may hand out are listed here. Widening
// them means editing this file too, which makes the change visible in review.
import { beforeAll, describe, expect, test } from '@jest/globals';
import type { Node } from 'web-tree-sitter';
import {
  type BicepFile,
  Resolver,
  callArguments,
  declarationName,
  declarations,
  decoratorArgument,
  infraFile,
  loadInfra,
  property,
  propertyPath,
  required,
  resourceBody,
  resourceType,
  resourcesOfType,
} from '../../support/bicep.js';

/** Built-in roles infra/ may assign, all on the app's own resources. */
const ALLOWED_BUILT_IN_ROLES: Record<string, string> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': 'Storage Blob Data Reader',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  'd5a91429-5739-47e2-a06b-3470a27159e7': 'EventGrid Data Sender',
};

const EVENT_GRID_DATA_SENDER = 'd5a91429-5739-47e2-a06b-3470a27159e7';

/** Roles that must never appear, whatever else changes. */
const FORBIDDEN_ROLES: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'f58310d9-a9f6-439a-9e8d-f62e7b41a168': 'Role Based Access Control Administrator',
};

/** Exactly the ARM actions the code performs on target subscriptions. */
const REMEDIATOR_ACTIONS = [
  'Microsoft.Resources/subscriptions/read',
  'Microsoft.ContainerService/managedClusters/read',
  'Microsoft.ContainerService/managedClusters/write',
  'Microsoft.ContainerService/managedClusters/maintenanceConfigurations/read',
  'Microsoft.ContainerService/locations/operations/read',
  'Microsoft.ContainerService/locations/operationresults/read',
  'Microsoft.KubernetesConfiguration/extensions/read',
  'Microsoft.KubernetesConfiguration/extensions/write',
  'Microsoft.KubernetesConfiguration/extensions/operations/read',
  'Microsoft.Resources/subscriptions/providers/read',
  'Microsoft.Storage/storageAccounts/read',
];

/** Opt-in extras for ARM linked-access checks (docs/deploy.md explains each). */
const LINKED_ACCESS_ACTIONS = [
  'Microsoft.Network/virtualNetworks/subnets/join/action',
  'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action',
  'Microsoft.OperationalInsights/workspaces/sharedKeys/read',
];

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

describe('RBAC in infra/ is least privilege', () => {
  let files: BicepFile[];
  let resolver: Resolver;

  beforeAll(async () => {
    files = await loadInfra();
    resolver = new Resolver(files);
  });

  test('mentions no role id outside the allowlist, and never Owner, Contributor or an access administrator', () => {
    const problems: string[] = [];
    for (const { file, source } of files) {
      for (const match of source.matchAll(GUID)) {
        const id = match[0].toLowerCase();
        if (FORBIDDEN_ROLES[id]) problems.push(`${file}: forbidden role ${FORBIDDEN_ROLES[id]} (${id})`);
        else if (!ALLOWED_BUILT_IN_ROLES[id]) problems.push(`${file}: role or GUID ${id} is not in the allowlist`);
      }
    }

    expect(problems).toStrictEqual([]);
  });

  test('gives the custom remediator role exactly the actions the code calls, and nothing else', () => {
    // One custom role definition, with one permissions block.
    const roles = resourcesOfType(files, 'Microsoft.Authorization/roleDefinitions');
    expect(roles).toHaveLength(1);
    const { body } = roles[0]!;
    const permissions = required(propertyPath(body.body, 'properties', 'permissions'), 'properties.permissions of the role definition');
    expect(permissions.type).toBe('array');
    expect(permissions.namedChildren).toHaveLength(1);
    const block = permissions.namedChildren[0]!;

    // actions is concat(remediatorActions, linkedAccessActions).
    const actions = required(property(block, 'actions'), 'permissions[0].actions');
    expect(actions.type).toBe('call_expression');
    expect(actions.text).toMatch(/^concat\(/);
    const [base, extra] = callArguments(actions);
    expect(resolver.strings(base!)).toStrictEqual(REMEDIATOR_ACTIONS);
    expect(extra?.text).toBe('linkedAccessActions');
    // notActions, dataActions and notDataActions are absent or empty.
    const others = ['notActions', 'dataActions', 'notDataActions'].map((key) => {
      const value = property(block, key);
      return [key, value ? resolver.literal(value) : []];
    });
    expect(others).toStrictEqual([
      ['notActions', []],
      ['dataActions', []],
      ['notDataActions', []],
    ]);
    expect(propertyPath(body.body, 'properties', 'assignableScopes')?.text.replace(/\s+/g, '')).toBe('[subscription().id]');
    // No wildcard, no delete, nothing on Microsoft.Authorization.
    expect(REMEDIATOR_ACTIONS.filter((action) => action.includes('*') || /\/delete$/i.test(action) || action.startsWith('Microsoft.Authorization/'))).toStrictEqual([]);
  });

  test('lets linkedAccessActions hold only the documented linked-access actions', () => {
    const main = infraFile(files, 'infra/main.bicep');
    const param = required(
      declarations(main, 'parameter_declaration').find((p) => p.namedChildren[0]?.text === 'linkedAccessActions'),
      'the linkedAccessActions parameter of main.bicep',
    );

    const allowed = required(decoratorArgument(param, 'allowed'), 'the @allowed list of linkedAccessActions');

    expect([...(resolver.strings(allowed) ?? [])].sort()).toStrictEqual([...LINKED_ACCESS_ACTIONS].sort());
    // linkedAccessActions defaults to none.
    expect(param.namedChildren.at(-1)?.text.replace(/\s+/g, '')).toBe('[]');
  });

  describe('role assignments', () => {
    /** The app, telemetry, dead-letter, events-topic and remediator assignments; throws when there are fewer than six. */
    function assignments() {
      const found = resourcesOfType(files, 'Microsoft.Authorization/roleAssignments');
      if (found.length < 6) throw new Error(`expected the app, telemetry, dead-letter, events-topic and remediator assignments, found ${found.length}`);
      return found;
    }

    /** Role GUIDs a roleDefinitionId expression can take, or 'custom' for the remediator role; throws for any other shape. */
    function roleIdsOf(roleDefinitionId: Node, loop: { variable: string; iterable: Node } | undefined): string[] | 'custom' {
      if (/^remediatorRole\.id$/.test(roleDefinitionId.text)) return 'custom';
      if (roleDefinitionId.type !== 'call_expression') throw new Error(`unexpected roleDefinitionId ${roleDefinitionId.text}`);
      const [type, id] = callArguments(roleDefinitionId);
      const resourceType = resolver.literal(type!);
      if (resourceType !== 'Microsoft.Authorization/roleDefinitions') throw new Error(`roleDefinitionId names a ${JSON.stringify(resourceType)}, not a role definition`);
      if (loop && id?.text === loop.variable) return resolver.strings(loop.iterable) ?? [];
      const value = resolver.literal(id!);
      if (typeof value !== 'string') throw new Error(`cannot resolve role id ${id?.text}`);
      return [value];
    }

    const roleDefinitionIdOf = (file: string, body: Node): Node => required(propertyPath(body, 'properties', 'roleDefinitionId'), `${file}: roleDefinitionId of a role assignment`);

    test('assign only allowlisted built-in roles or the custom remediator role', () => {
      // [file, role id] of every built-in role assigned; "(none)" when an assignment resolves to no role at all.
      const assigned = assignments().flatMap(({ file, body }) => {
        const ids = roleIdsOf(roleDefinitionIdOf(file, body.body), body.loop);
        if (ids === 'custom') return [];
        return ids.length > 0 ? ids.map((id) => [file, id] as const) : [[file, '(none)'] as const];
      });

      expect(assigned.filter(([, id]) => !ALLOWED_BUILT_IN_ROLES[id.toLowerCase()])).toStrictEqual([]);
    });

    test('grant subscription-wide access only through the custom remediator role', () => {
      // Assignments without a scope apply at deployment (subscription) scope.
      const atSubscription = assignments().filter(({ body }) => !property(body.body, 'scope'));

      const roles = atSubscription.map(({ file, body }) => [file, roleIdsOf(roleDefinitionIdOf(file, body.body), body.loop)]);

      expect(roles).toStrictEqual(atSubscription.map(({ file }) => [file, 'custom']));
    });

    test('give the app EventGrid Data Sender on the events topic it creates, and nowhere else', () => {
      const senders = assignments().filter(({ file, body }) => {
        const ids = roleIdsOf(roleDefinitionIdOf(file, body.body), body.loop);
        return ids !== 'custom' && ids.some((id) => id.toLowerCase() === EVENT_GRID_DATA_SENDER);
      });

      // One assignment of the role, unconditional and not looped inside its module.
      expect(senders.map(({ file }) => file)).toStrictEqual(['infra/modules/events-topic.bicep']);
      const { file, body } = senders[0]!;
      expect([body.condition, body.loop]).toStrictEqual([undefined, undefined]);
      // Its scope is a topic that this file creates (not an existing one, not the resource group).
      const scope = required(property(body.body, 'scope'), `${file}: scope of the EventGrid Data Sender assignment`).text;
      const module = infraFile(files, file);
      const scopeResource = required(
        declarations(module, 'resource_declaration').find((declaration) => declarationName(declaration) === scope),
        `${file}: resource ${scope}`,
      );
      expect([resourceType(scopeResource), /\sexisting\s/.test(scopeResource.text.split('{')[0] ?? '')]).toStrictEqual(['Microsoft.EventGrid/topics', false]);
      expect(propertyPath(body.body, 'properties', 'principalId')?.text).toBe('appPrincipalId');
      expect(resolver.literal(propertyPath(body.body, 'properties', 'principalType')!)).toBe('ServicePrincipal');

      // main.bicep creates the topic only when asked, and hands the module the app's identity.
      const main = infraFile(files, 'infra/main.bicep');
      const topicModule = required(
        declarations(main, 'module_declaration').find((declaration) => declaration.namedChildren.some((child) => child.type === 'string' && child.text === "'modules/events-topic.bicep'")),
        'the events-topic module in main.bicep',
      );
      const topicBody = resourceBody(topicModule);
      expect(topicBody.condition?.text).toBe('(enableEventsTopic)');
      expect(propertyPath(topicBody.body, 'params', 'appPrincipalId')?.text).toBe('identity.outputs.principalId');
    });

    test('are named guid(scope, principal, role) so redeployments are idempotent', () => {
      for (const { file, body } of assignments()) {
        const name = required(property(body.body, 'name'), `${file}: the name of a role assignment`);
        const args = callArguments(name);
        const scopeNode = property(body.body, 'scope');
        const expectedScope = scopeNode ? `${scopeNode.text}.id` : 'subscription().id';

        // Compared with the file in front, so a failure names it.
        expect([file, name.type, name.childForFieldName('function')?.text, args.length]).toStrictEqual([file, 'call_expression', 'guid', 3]);
        const [scope, principal, role] = args;
        // The arguments are the assignment scope, the principal and the role.
        expect([file, scope?.text, principal?.text, role?.text]).toStrictEqual([
          file,
          expectedScope,
          propertyPath(body.body, 'properties', 'principalId')?.text,
          propertyPath(body.body, 'properties', 'roleDefinitionId')?.text,
        ]);
      }
    });
  });
});

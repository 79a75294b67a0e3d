// Least privilege, pinned: the only role ids and actions infra/ may hand out are listed here. Widening
// them means editing this file too, which makes the change visible in review.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Node } from 'web-tree-sitter';
import { type BicepFile, Resolver, callArguments, declarations, decoratorArgument, infraFile, loadInfra, property, propertyPath, resourcesOfType } from '../../support/bicep.js';

/** Built-in roles infra/ may assign, all on the app's own resources. */
const ALLOWED_BUILT_IN_ROLES: Record<string, string> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': 'Storage Blob Data Reader',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
};

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
  'Microsoft.ContainerService/locations/operations/read',
  'Microsoft.ContainerService/locations/operationresults/read',
  'Microsoft.KubernetesConfiguration/extensions/read',
  'Microsoft.KubernetesConfiguration/extensions/write',
  'Microsoft.KubernetesConfiguration/extensions/operations/read',
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

  before(async () => {
    files = await loadInfra();
    resolver = new Resolver(files);
  });

  it('mentions no role id outside the allowlist, and never Owner, Contributor or an access administrator', () => {
    const problems: string[] = [];
    for (const { file, source } of files) {
      for (const match of source.matchAll(GUID)) {
        const id = match[0].toLowerCase();
        if (FORBIDDEN_ROLES[id]) problems.push(`${file}: forbidden role ${FORBIDDEN_ROLES[id]} (${id})`);
        else if (!ALLOWED_BUILT_IN_ROLES[id]) problems.push(`${file}: role or GUID ${id} is not in the allowlist`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('gives the custom remediator role exactly the actions the code calls, and nothing else', () => {
    const roles = resourcesOfType(files, 'Microsoft.Authorization/roleDefinitions');
    assert.equal(roles.length, 1, 'expected one custom role definition');
    const { file, body } = roles[0]!;
    const permissions = propertyPath(body.body, 'properties', 'permissions');
    assert.ok(permissions?.type === 'array' && permissions.namedChildren.length === 1, `${file}: expected one permissions block`);
    const block = permissions.namedChildren[0]!;
    const actions = property(block, 'actions');
    assert.ok(actions?.type === 'call_expression' && actions.text.startsWith('concat('), `${file}: actions should be concat(remediatorActions, linkedAccessActions)`);
    const [base, extra] = callArguments(actions);
    assert.deepEqual(resolver.strings(base!), REMEDIATOR_ACTIONS);
    assert.equal(extra?.text, 'linkedAccessActions');
    for (const key of ['notActions', 'dataActions', 'notDataActions']) {
      const value = property(block, key);
      if (value) assert.deepEqual(resolver.literal(value), [], `${file}: ${key} should be empty`);
    }
    assert.equal(propertyPath(body.body, 'properties', 'assignableScopes')?.text.replace(/\s+/g, ''), '[subscription().id]');
    for (const action of REMEDIATOR_ACTIONS) {
      assert.ok(!action.includes('*') && !/\/delete$/i.test(action) && !action.startsWith('Microsoft.Authorization/'), action);
    }
  });

  it('lets linkedAccessActions hold only the documented linked-access actions', () => {
    const main = infraFile(files, 'infra/main.bicep');
    const param = declarations(main, 'parameter_declaration').find((p) => p.namedChildren[0]?.text === 'linkedAccessActions');
    assert.ok(param, 'main.bicep has no linkedAccessActions parameter');
    const allowed = decoratorArgument(param, 'allowed');
    assert.ok(allowed, 'linkedAccessActions needs an @allowed list');
    assert.deepEqual([...(resolver.strings(allowed) ?? [])].sort(), [...LINKED_ACCESS_ACTIONS].sort());
    assert.equal(param.namedChildren.at(-1)?.text.replace(/\s+/g, ''), '[]', 'linkedAccessActions must default to none');
  });

  describe('role assignments', () => {
    function assignments() {
      const found = resourcesOfType(files, 'Microsoft.Authorization/roleAssignments');
      assert.ok(found.length >= 5, `expected the app, telemetry, dead-letter and remediator assignments, found ${found.length}`);
      return found;
    }

    /** Role GUIDs a roleDefinitionId expression can take, or 'custom' for the remediator role. */
    function roleIdsOf(roleDefinitionId: Node, loop: { variable: string; iterable: Node } | undefined): string[] | 'custom' {
      if (/^remediatorRole\.id$/.test(roleDefinitionId.text)) return 'custom';
      assert.equal(roleDefinitionId.type, 'call_expression', `unexpected roleDefinitionId ${roleDefinitionId.text}`);
      const [type, id] = callArguments(roleDefinitionId);
      assert.equal(resolver.literal(type!), 'Microsoft.Authorization/roleDefinitions');
      if (loop && id?.text === loop.variable) return resolver.strings(loop.iterable) ?? [];
      const value = resolver.literal(id!);
      assert.equal(typeof value, 'string', `cannot resolve role id ${id?.text}`);
      return [value as string];
    }

    it('assign only allowlisted built-in roles or the custom remediator role', () => {
      for (const { file, body } of assignments()) {
        const roleDefinitionId = propertyPath(body.body, 'properties', 'roleDefinitionId');
        assert.ok(roleDefinitionId, `${file}: role assignment without roleDefinitionId`);
        const ids = roleIdsOf(roleDefinitionId, body.loop);
        if (ids === 'custom') continue;
        assert.ok(ids.length > 0);
        for (const id of ids) assert.ok(ALLOWED_BUILT_IN_ROLES[id.toLowerCase()], `${file}: assigns ${id}`);
      }
    });

    it('grant subscription-wide access only through the custom remediator role', () => {
      for (const { file, body } of assignments()) {
        if (property(body.body, 'scope')) continue;
        const roleDefinitionId = propertyPath(body.body, 'properties', 'roleDefinitionId')!;
        assert.equal(roleIdsOf(roleDefinitionId, body.loop), 'custom', `${file}: a built-in role is assigned at deployment (subscription) scope`);
      }
    });

    it('are named guid(scope, principal, role) so redeployments are idempotent', () => {
      for (const { file, body } of assignments()) {
        const name = property(body.body, 'name');
        assert.ok(name?.type === 'call_expression' && name.childForFieldName('function')?.text === 'guid', `${file}: name is ${name?.text}`);
        const [scope, principal, role] = callArguments(name);
        assert.equal(callArguments(name).length, 3, `${file}: ${name.text}`);
        const scopeNode = property(body.body, 'scope');
        assert.equal(scope?.text, scopeNode ? `${scopeNode.text}.id` : 'subscription().id', `${file}: first guid() argument must be the assignment scope`);
        assert.equal(principal?.text, propertyPath(body.body, 'properties', 'principalId')?.text, `${file}: second guid() argument must be the principal`);
        assert.equal(role?.text, propertyPath(body.body, 'properties', 'roleDefinitionId')?.text, `${file}: third guid() argument must be the role`);
      }
    });
  });
});

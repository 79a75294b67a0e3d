// The baseline's JSON Schema. This module is the source; schema/baseline.schema.json is the published copy for
// editors (a unit test keeps them identical; `aks-baseline-guard baseline schema` prints it).
// `errorMessage` is the custom-message keyword VS Code's JSON support understands; we use it for our messages too.
import { EXTENSION_TYPES } from './extension-types/index.js';
import { MODES } from './types.js';

const modeProperty = (what: string) => ({
  type: 'string',
  enum: [...MODES],
  description: `How to act on ${what}: "audit" records only, "auto" fixes without asking, "approval" fixes when a person approves.`,
});

const ruleSetting = (description: string) => ({
  type: 'object',
  description,
  additionalProperties: false,
  required: ['mode'],
  properties: { mode: modeProperty('a finding of this rule') },
});

const KUBERNETES_NAME = {
  type: 'string',
  pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  errorMessage: 'must be a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters)',
};

export const BASELINE_SCHEMA_ID = 'urn:aks-baseline-guard:schema:baseline:1';

export const BASELINE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: BASELINE_SCHEMA_ID,
  title: 'aks-baseline-guard baseline',
  description:
    'What every AKS cluster in scope must have: identity settings and required cluster extensions, with how to act on drift.',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    $schema: { type: 'string', description: 'Path or URL of this schema, for editors. Ignored by aks-baseline-guard.' },
    version: { const: 1, description: 'Format version of this document. Always 1.' },
    description: { type: 'string', description: 'Free text for people reading the baseline.' },
    rules: {
      type: 'object',
      description: 'Cluster identity rules. A rule left out is not checked.',
      additionalProperties: false,
      properties: {
        managedIdentity: ruleSetting('Rule managed-identity: the cluster uses a system- or user-assigned managed identity, not a service principal.'),
        podIdentityDisabled: ruleSetting('Rule no-pod-identity: the deprecated AAD pod identity add-on is off (workload identity replaces it).'),
        workloadIdentity: ruleSetting('Rule workload-identity: workload identity and the OIDC issuer it needs are both on.'),
      },
    },
    requiredExtensions: {
      type: 'array',
      description: 'Cluster extensions every cluster must run. Each entry is checked by rule required-extension/<name>.',
      items: {
        type: 'object',
        description: 'One required cluster extension, matched on the cluster by extensionType (case-insensitive), not by name.',
        additionalProperties: false,
        required: ['name', 'extensionType', 'mode'],
        properties: {
          name: {
            type: 'string',
            pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$',
            errorMessage: 'must be an extension name: letters, digits, ".", "_" or "-", starting with a letter or digit',
            description: 'Name used when the extension has to be installed, and in the rule id required-extension/<name>.',
          },
          extensionType: {
            type: 'string',
            pattern: '^[A-Za-z0-9][A-Za-z0-9./_-]*$',
            errorMessage: 'must be an extension type such as microsoft.flux',
            description: `The extension type, e.g. ${EXTENSION_TYPES.map((profile) => profile.extensionType).join(', ')}. Compared case-insensitively.`,
          },
          description: { type: 'string', description: 'Free text for people reading the baseline.' },
          mode: modeProperty('drift of this extension'),
          releaseTrain: {
            type: 'string',
            enum: ['Stable', 'Preview'],
            description: 'Release train the extension must follow. An extension that reports none is on Stable.',
          },
          version: {
            type: 'string',
            pattern: '^\\d+\\.\\d+\\.\\d+([-+][0-9A-Za-z.+-]+)?$',
            errorMessage: 'must be a version such as 1.2.3',
            description: 'Pinned extension version. Needs "autoUpgradeMinorVersion": false.',
          },
          autoUpgradeMinorVersion: {
            type: 'boolean',
            description: 'Whether the extension must upgrade minor versions automatically. ARM defaults to true.',
          },
          configurationSettings: {
            type: 'object',
            description:
              'Settings that must be present with these values (other settings on the cluster are left alone). Values are stored as strings by ARM; numbers and booleans are converted.',
            propertyNames: { minLength: 1 },
            additionalProperties: {
              type: ['string', 'number', 'boolean'],
              errorMessage: 'must be a string, number or boolean',
            },
          },
          protectedSettings: {
            type: 'object',
            description:
              'Protected (secret) settings, by reference only: the name of an app setting or a Key Vault secret URI. A literal secret is rejected. Used when installing or repairing; ARM never returns their values, so they are not compared.',
            propertyNames: { minLength: 1 },
            additionalProperties: {
              type: 'object',
              description: 'Where the value comes from: {"appSetting": "NAME"} or {"keyVaultSecretUri": "https://<vault>.vault.azure.net/secrets/<name>"}.',
              additionalProperties: false,
              minProperties: 1,
              maxProperties: 1,
              errorMessage:
                'must be a reference, {"appSetting": "NAME"} or {"keyVaultSecretUri": "https://<vault>.vault.azure.net/secrets/<name>"}; a literal secret is not allowed in a baseline',
              properties: {
                appSetting: {
                  type: 'string',
                  pattern: '^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$',
                  errorMessage: 'must be the name of an app setting (letters, digits, "_", ".", ":" or "-")',
                  description: 'Name of the Function App setting that holds the value (it may itself be a Key Vault reference).',
                },
                keyVaultSecretUri: {
                  type: 'string',
                  pattern:
                    '^https://[A-Za-z0-9-]{3,24}\\.vault\\.(azure\\.net|azure\\.cn|usgovcloudapi\\.net|microsoftazure\\.de)/secrets/[A-Za-z0-9-]{1,127}(/[0-9a-fA-F]{32})?/?$',
                  errorMessage: 'must be a Key Vault secret URI: https://<vault>.vault.azure.net/secrets/<name>[/<version>]',
                  description: 'Key Vault secret URI, with or without a version.',
                },
              },
            },
          },
          scope: {
            type: 'object',
            description: 'Where the extension is installed: cluster-wide (with a release namespace) or in one namespace. Used when installing; ARM cannot change it later.',
            additionalProperties: false,
            minProperties: 1,
            maxProperties: 1,
            errorMessage: 'must be {"cluster": {"releaseNamespace": "..."}} or {"namespace": {"targetNamespace": "..."}}',
            properties: {
              cluster: {
                type: 'object',
                description: 'Cluster-wide installation.',
                additionalProperties: false,
                properties: { releaseNamespace: { ...KUBERNETES_NAME, description: 'Namespace the extension is released into.' } },
              },
              namespace: {
                type: 'object',
                description: 'Installation scoped to one namespace.',
                additionalProperties: false,
                properties: { targetNamespace: { ...KUBERNETES_NAME, description: 'Namespace the extension is installed in.' } },
              },
            },
          },
          minKubernetesVersion: {
            type: 'string',
            pattern: '^\\d+\\.\\d+(\\.\\d+)?$',
            errorMessage: 'must be a Kubernetes version such as 1.28 or 1.28.5',
            description: 'Clusters below this Kubernetes version are NotApplicable for this extension (nothing is planned).',
          },
          regions: {
            type: 'array',
            minItems: 1,
            description: 'ARM locations where the extension is available ("East US" or "eastus"). Clusters elsewhere are NotApplicable.',
            items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9 ]*$', errorMessage: 'must be an ARM location such as eastus' },
          },
        },
      },
    },
    scope: {
      type: 'object',
      description: 'Which clusters the baseline covers. Leave a list out to include everything.',
      additionalProperties: false,
      properties: {
        subscriptions: {
          type: 'array',
          description: 'Subscription ids to include.',
          items: {
            type: 'string',
            pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
            errorMessage: 'must be a subscription id (a GUID)',
          },
        },
        resourceGroups: {
          type: 'array',
          description: 'Resource groups to include: a name (in any included subscription) or a full id /subscriptions/<id>/resourceGroups/<name>.',
          items: {
            type: 'string',
            // Ids are checked by the code, which compares the fixed segments case-insensitively as ARM does.
            pattern: '^([-\\w._()]{1,90}|/.+)$',
            errorMessage: 'must be a resource group name or /subscriptions/<id>/resourceGroups/<name>',
          },
        },
      },
    },
    excludeTags: {
      type: 'object',
      description: 'Clusters carrying any of these tags (name: value, "*" for any value) are Exempt from every rule. Tag names compare case-insensitively.',
      additionalProperties: { type: 'string' },
    },
    exemptions: {
      type: 'array',
      description: 'Per-cluster, per-rule exemptions. An exemption stops applying after it expires.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['clusterId', 'ruleId', 'reason', 'expires'],
        properties: {
          clusterId: {
            type: 'string',
            pattern: '^/subscriptions/',
            errorMessage: 'must be an AKS cluster resource id',
            description: 'Resource id of the exempted cluster (compared case-insensitively).',
          },
          ruleId: {
            type: 'string',
            minLength: 1,
            description: 'Rule id (managed-identity, no-pod-identity, workload-identity, required-extension/<name>) or "*" for all rules.',
          },
          reason: { type: 'string', minLength: 1, description: 'Why the cluster is exempt; shown with every Exempt result.' },
          expires: {
            type: 'string',
            pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
            errorMessage: 'must be a date (2026-06-30, valid through that day UTC) or a date-time with a zone (2026-06-30T12:00:00Z)',
            description: 'When the exemption ends. A date alone means the end of that day, UTC.',
          },
        },
      },
    },
  },
} as const;

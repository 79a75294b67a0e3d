import { formatClusterId, normalizeLocation } from '../resource-ids.js';
import { agentPools, aksArgs, clusterArgs, COMMON_PREREQUISITES, isTrue, kubeletIdentity, localAccountsDisabled } from '../prerequisites.js';
import type { ComputedSetting, ExtensionTypeProfile, InstallContext, SettingsProblem, UpdateAdditions, UpdateContext } from './profile.js';

// Azure CLI k8s-extension partner_extensions/AzureMLKubernetes.py @3f6c0da (azure-cli-extensions), read for issue 15
// (facts C); the Azure ML docs how-to-deploy-kubernetes-extension.md @2602ec4 (ms.date 01/28/2026).
const AZUREML_PY = 'Azure CLI k8s-extension partner_extensions/AzureMLKubernetes.py @3f6c0da (azure-cli-extensions)';
const AZUREML_DOCS = 'Azure ML docs how-to-deploy-kubernetes-extension.md @2602ec4 (ms.date 01/28/2026), Limitations';
const ROUTER_TYPES = ['nodeport', 'loadbalancer', 'clusterip'];

/** A value the CLI reads from the settings or, failing that, the protected settings (whose values are never known here). */
const inference = (settings: Readonly<Record<string, string>>) => isTrue(settings.enableInference);
const insecure = (settings: Readonly<Record<string, string>>) => isTrue(settings.allowInsecureConnections);
const protectedNames = (context: InstallContext) => Object.keys(context.spec.protectedSettings);

/**
 * The CLI's checks of the settings (AzureMLKubernetes.py `__validate_config`, `__validate_scoring_fe_settings`),
 * with the product's one difference: TLS material comes as protected `scoringFe.sslCert`/`scoringFe.sslKey` (what the
 * CLI makes of the PEM files), by reference, since the app cannot read files on someone's machine.
 */
function settingsProblems(settings: Readonly<Record<string, string>>, protectedKeys: readonly string[]): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const inProtected = (key: string) => protectedKeys.includes(key);
  if (!isTrue(settings.enableTraining) && !inference(settings) && !inProtected('enableTraining') && !inProtected('enableInference')) {
    problems.push({ message: 'Neither enableTraining nor enableInference is true: the CLI refuses to create Azure ML for neither.', fix: 'set "enableTraining": true or "enableInference": true in the baseline\'s configurationSettings' });
  }
  if (!inference(settings)) return problems;
  const routerType = settings.inferenceRouterServiceType;
  if (routerType === undefined || !ROUTER_TYPES.includes(routerType.toLowerCase())) {
    problems.push({
      message: `enableInference is true and inferenceRouterServiceType is ${routerType === undefined ? 'missing' : `"${routerType}"`}: the CLI requires NodePort, LoadBalancer or ClusterIP.`,
      fix: 'set "inferenceRouterServiceType" to NodePort, LoadBalancer or ClusterIP in the baseline',
    });
  }
  if (routerType?.toLowerCase() === 'nodeport' && settings.internalLoadBalancerProvider?.toLowerCase() === 'azure') {
    problems.push({ message: 'inferenceRouterServiceType NodePort and internalLoadBalancerProvider azure exclude each other (the CLI refuses both).', fix: 'drop one of them from the baseline' });
  }
  const tls = settings.sslSecret !== undefined || inProtected('sslSecret') || (inProtected('scoringFe.sslCert') && inProtected('scoringFe.sslKey'));
  if (!tls && !insecure(settings)) {
    problems.push({
      message: 'enableInference is true without TLS: the CLI needs a certificate or allowInsecureConnections true.',
      fix: 'give "sslSecret" (a Kubernetes secret in namespace azureml holding cert.pem and key.pem), or protected "scoringFe.sslCert" and "scoringFe.sslKey" (the base64 of the PEM files), or set "allowInsecureConnections": true',
    });
  }
  if (!insecure(settings) && settings.sslCname === undefined) {
    problems.push({ message: 'enableInference is true with TLS and no sslCname: the CLI requires the CNAME the certificate is for.', fix: 'set "sslCname" in the baseline' });
  }
  if (isTrue(settings['relayserver.enabled']) && settings.relayServerConnectionString === undefined && !inProtected('relayServerConnectionString')) {
    problems.push({ message: 'relayserver.enabled is true without relayServerConnectionString: the CLI would create an Azure Relay namespace, which the app cannot.', fix: 'give protected "relayServerConnectionString", or leave relayserver.enabled false (the AKS default)' });
  }
  if (isTrue(settings['servicebus.enabled']) && settings.serviceBusConnectionString === undefined && !inProtected('serviceBusConnectionString')) {
    problems.push({ message: 'servicebus.enabled is true without serviceBusConnectionString: the CLI would create a Service Bus namespace, which the app cannot.', fix: 'give protected "serviceBusConnectionString", or leave servicebus.enabled false (the default)' });
  }
  return problems;
}

/** A computed setting that only applies when inference is on. */
const whenInference = (compute: ComputedSetting['compute']): ComputedSetting['compute'] => (context, settings) => (inference(settings) ? compute(context, settings) : undefined);

/** The CLI's enableTraining/enableInference: the given value, else the boolean it read (false when nowhere), which its SDK sends as "False". */
const flag = (key: 'enableTraining' | 'enableInference'): ComputedSetting => ({
  key,
  when: 'default',
  describe: '`False` when neither the settings nor the protected settings give it (the CLI writes the boolean it read)',
  source: `${AZUREML_PY} __validate_config; "False" is how its SDK serialises a Python boolean (inferred: the settings map is typed string to string, and a boolean is written with str())`,
  compute: (context) => (protectedNames(context).includes(key) ? undefined : 'False'),
});

const totalNodes = (context: InstallContext): number | undefined => {
  const pools = agentPools(context.snapshot);
  if (pools.length === 0 || pools.some((pool) => pool.count === undefined)) return undefined;
  return pools.reduce((sum, pool) => sum + (pool.count ?? 0), 0);
};

const location = (context: InstallContext) => normalizeLocation(context.snapshot.location);

const COMPUTED: readonly ComputedSetting[] = [
  flag('enableTraining'),
  flag('enableInference'),
  {
    key: 'scoringFe.namespace',
    when: 'default',
    describe: '`default` when `isAKSMigration` is true (inference on)',
    source: `${AZUREML_PY} __validate_scoring_fe_settings`,
    compute: whenInference((_context, settings) => (isTrue(settings.isAKSMigration) ? 'default' : undefined)),
  },
  {
    key: 'scoringFe.serviceType.nodePort',
    when: 'default',
    describe: '`True` when `inferenceRouterServiceType` is NodePort (inference on)',
    source: `${AZUREML_PY} __validate_scoring_fe_settings`,
    compute: whenInference((_context, settings) => (settings.inferenceRouterServiceType?.toLowerCase() === 'nodeport' ? 'True' : undefined)),
  },
  {
    key: 'scoringFe.serviceType.internalLoadBalancer',
    when: 'default',
    describe: '`True` when `internalLoadBalancerProvider` is azure (inference on)',
    source: `${AZUREML_PY} __validate_scoring_fe_settings`,
    compute: whenInference((_context, settings) => (settings.internalLoadBalancerProvider?.toLowerCase() === 'azure' ? 'True' : undefined)),
  },
  {
    key: 'scoringFe.sslSecret',
    when: 'default',
    describe: 'the `sslSecret` setting, when inference is on with TLS',
    source: `${AZUREML_PY} __set_up_inference_ssl`,
    compute: whenInference((_context, settings) => (insecure(settings) ? undefined : settings.sslSecret)),
  },
  {
    key: 'clusterPurpose',
    when: 'default',
    describe: '`DevTest` when the node pools add up to fewer than 3 nodes (nothing when a count is not in the body)',
    source: `${AZUREML_PY} (agent pool counts of the cluster GET; errors ignored)`,
    compute: (context) => ((totalNodes(context) ?? 3) < 3 ? 'DevTest' : undefined),
  },
  {
    key: 'inferenceRouterHA',
    when: 'default',
    describe: '`false` when the node pools add up to fewer than 3 nodes',
    source: `${AZUREML_PY} (agent pool counts of the cluster GET)`,
    compute: (context) => ((totalNodes(context) ?? 3) < 3 ? 'false' : undefined),
  },
  {
    key: 'cluster_name',
    when: 'default',
    describe: "the cluster's ARM id (`/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>`)",
    source: AZUREML_PY,
    compute: ({ snapshot }) => formatClusterId({ subscriptionId: snapshot.subscriptionId, resourceGroup: snapshot.resourceGroup, name: snapshot.name }),
  },
  {
    // The CLI reads a misspelled key ("doamin"), so a given domain is always overwritten.
    key: 'domain',
    when: 'always',
    describe: "`<cluster location>.cloudapp.azure.com`",
    source: AZUREML_PY,
    compute: (context) => `${location(context)}.cloudapp.azure.com`,
  },
  { key: 'location', when: 'default', describe: "the cluster's location", source: AZUREML_PY, compute: location },
  { key: 'jobSchedulerLocation', when: 'default', describe: "the cluster's location", source: AZUREML_PY, compute: location },
  { key: 'cluster_name_friendly', when: 'default', describe: "the cluster's name", source: AZUREML_PY, compute: ({ snapshot }) => snapshot.name },
  { key: 'servicebus.enabled', when: 'default', describe: '`false`', source: AZUREML_PY, compute: () => 'false' },
  // For managedClusters the CLI turns the relay off and NGINX ingress on (other cluster types: the reverse).
  { key: 'relayserver.enabled', when: 'default', describe: '`false` (AKS)', source: AZUREML_PY, compute: () => 'false' },
  { key: 'nginxIngress.enabled', when: 'default', describe: '`true` (AKS)', source: AZUREML_PY, compute: () => 'true' },
  // `_dereference`: cluster_name is copied to these unless they are given.
  { key: 'clusterId', when: 'default', describe: 'the value of `cluster_name`', source: `${AZUREML_PY} _dereference`, compute: (_context, settings) => settings.cluster_name },
  {
    key: 'prometheus.prometheusSpec.externalLabels.cluster_name',
    when: 'default',
    describe: 'the value of `cluster_name`',
    source: `${AZUREML_PY} _dereference`,
    compute: (_context, settings) => settings.cluster_name,
  },
];

/**
 * AzureMLKubernetes.py Update: a given inferenceRouterServiceType sets scoringFe.serviceType.nodePort (whether it is
 * NodePort), a given internalLoadBalancerProvider sets scoringFe.serviceType.internalLoadBalancer (whether it is azure),
 * as booleans its SDK sends as "True"/"False".
 */
function azuremlUpdate({ patch }: UpdateContext): UpdateAdditions {
  const settings = (patch.configurationSettings ?? {}) as Record<string, unknown>;
  const added: Record<string, string> = {};
  const bool = (value: boolean) => (value ? 'True' : 'False');
  if (typeof settings.inferenceRouterServiceType === 'string') added['scoringFe.serviceType.nodePort'] = bool(settings.inferenceRouterServiceType.toLowerCase() === 'nodeport');
  if (typeof settings.internalLoadBalancerProvider === 'string') added['scoringFe.serviceType.internalLoadBalancer'] = bool(settings.internalLoadBalancerProvider.toLowerCase() === 'azure');
  return Object.keys(added).length > 0 ? { configurationSettings: added } : {};
}

export const azureml: ExtensionTypeProfile = {
  key: 'azureml',
  displayName: 'Azure Machine Learning',
  extensionType: 'Microsoft.AzureML.Kubernetes',
  // AzureMLKubernetes.py refuses namespace scope and always sends release namespace `azureml` (a given one is overwritten).
  defaultReleaseNamespace: 'azureml',
  scopes: ['cluster'],
  docs: 'https://learn.microsoft.com/azure/machine-learning/how-to-deploy-kubernetes-extension',
  sources: [AZUREML_PY, AZUREML_DOCS, 'Azure ML docs reference-kubernetes.md @5584ed0 (ms.date 02/10/2025): Kubernetes N-2, the regions of Azure Arc-enabled Kubernetes'],
  createScope: 'always-default',
  // AzureMLKubernetes.py: release train `stable` when none is given; auto-upgrade and version passed through.
  defaultReleaseTrain: 'stable',
  // create_identity is True, but for managedClusters the shared code sends none.
  identityOnCreate: { sent: false },
  computedSettings: COMPUTED,
  clientSideSettings: [
    { key: 'sslCertPemFile', instead: 'protected "scoringFe.sslCert": the base64 of the certificate PEM file (what the CLI sends after reading the file)' },
    { key: 'sslKeyPemFile', instead: 'protected "scoringFe.sslKey": the base64 of the key PEM file' },
    { key: 'logAnalyticsWS', instead: '"azure_log_analytics.enabled", "azure_log_analytics.customer_id" and protected "azure_log_analytics.connection_string" of a workspace you create (the CLI creates one; the app cannot)' },
  ],
  settingsProblems,
  prerequisites: [
    ...COMMON_PREREQUISITES,
    {
      id: 'kubelet-identity',
      what: 'the cluster has a kubelet managed identity (`properties.identityProfile.kubeletidentity`): after a switch from a service principal, every node pool is re-created before installing',
      fix: 'az aks nodepool add (a new pool) and az aks nodepool delete (each old one), for every node pool',
      source: `${AZUREML_DOCS}: a service principal cluster converted to managed identity needs all node pools deleted and re-created, not updated`,
      check: ({ snapshot }) => {
        if (kubeletIdentity(snapshot)) return { status: 'met' };
        const pools = agentPools(snapshot);
        const commands = pools.map((pool) => `az aks nodepool add ${clusterArgs(snapshot)} --name <new-pool> --node-count ${pool.count ?? '<count>'}${pool.vmSize ? ` --node-vm-size ${pool.vmSize}` : ''}${pool.mode ? ` --mode ${pool.mode}` : ''}, then az aks nodepool delete ${clusterArgs(snapshot)} --name ${pool.name}`);
        return {
          status: 'missing',
          message: `Cluster ${snapshot.name} has no kubelet identity (properties.identityProfile.kubeletidentity): Azure ML needs the node pools of a cluster switched to a managed identity re-created before it is installed.`,
          fix: `${commands.length > 0 ? commands.join('; ') : `az aks nodepool add ${clusterArgs(snapshot)} --name <new-pool>, then az aks nodepool delete for each old pool`} (re-create every node pool; an update is not enough)`,
        };
      },
    },
    {
      id: 'no-pod-identity',
      what: 'AAD pod identity is off (Azure ML does not support it)',
      fix: 'az aks update --resource-group <rg> --name <cluster> --disable-pod-identity',
      source: AZUREML_DOCS,
      check: ({ snapshot }) =>
        snapshot.podIdentityEnabled
          ? { status: 'missing', message: `Cluster ${snapshot.name} has AAD pod identity on, which Azure ML does not support.`, fix: `az aks update ${aksArgs(snapshot)} --disable-pod-identity (move its workloads to workload identity first)` }
          : { status: 'met' },
    },
    {
      id: 'local-accounts',
      what: 'local accounts are not disabled (Azure ML does not support disabled local accounts)',
      fix: 'az aks update --resource-group <rg> --name <cluster> --enable-local-accounts',
      source: AZUREML_DOCS,
      check: ({ snapshot }) =>
        localAccountsDisabled(snapshot)
          ? { status: 'missing', message: `Cluster ${snapshot.name} has local accounts disabled (properties.disableLocalAccounts), which Azure ML does not support.`, fix: `az aks update ${aksArgs(snapshot)} --enable-local-accounts` }
          : { status: 'met' },
    },
  ],
  update: azuremlUpdate,
  // reference-kubernetes.md: the regions are those of Azure Arc-enabled Kubernetes, published elsewhere and not as a
  // list for AKS; Kubernetes support is N-2 of AKS, not a fixed minimum: supportedRegions and minKubernetesVersion stay unset.
};

// The per-type sections of docs/extensions.md, written from the profiles (what the product checks and sends, the
// prerequisites, what a person grants, the sources), so the document cannot drift from the code. Pure:
// scripts/generate-schema.mjs writes the region, and a unit test checks the committed file is current.
import { DEFAULT_PROFILE, PROFILED_EXTENSION_TYPES } from './extension-types/index.js';
import type { CreateScope, DefaultProfile, ExtensionTypeProfile } from './extension-types/profile.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => `\`${text}\``;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [head, head.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n');
}

const SCOPES: Record<CreateScope, (namespace: string | undefined) => string> = {
  'as-given': () => "the baseline's `scope`, or none (ARM then uses the type's default scope), as the CLI's generic path",
  'given-or-default': (namespace) => `the baseline's \`scope\`, else cluster-wide in ${code(namespace ?? '?')}`,
  'always-default': (namespace) => `always cluster-wide in ${code(namespace ?? '?')}, whatever the baseline says (as the CLI)`,
};

function install(profile: ExtensionTypeProfile | DefaultProfile): string[] {
  const typed = 'extensionType' in profile ? profile : undefined;
  const lines = [
    `- **Scope:** ${SCOPES[profile.createScope ?? 'as-given'](typed?.defaultReleaseNamespace)}${typed ? `; allowed: ${typed.scopes.join(', ')}` : ''}.`,
    `- **Release train:** ${profile.defaultReleaseTrain ? `${code(profile.defaultReleaseTrain)} unless the baseline gives one` : "the baseline's, or none (ARM's default, Stable)"}; auto-upgrade: ${profile.autoUpgradeOnCreate ? 'always `true` on create' : "the baseline's, or none (ARM's default, true)"}.`,
    `- **Identity:** none is sent for an AKS cluster${profile.identityOnCreate?.serviceIdentity ? `; the service creates ${profile.identityOnCreate.serviceIdentity}` : ''}.`,
  ];
  if (typed?.defaultExtensionName) lines.push(`- **Name:** ${code(typed.defaultExtensionName)}${typed.nameIsFixed ? ' (the CLI finds it by this name only)' : ' (the CLI\'s)'}.`);
  if (profile.requiresPlan) lines.push('- **Marketplace:** a create carries `plan`.');
  if (profile.cliIgnores?.length) lines.push(`- **The CLI ignores** ${profile.cliIgnores.map(code).join(', ')}: ${profile.cliIgnoresWhy ?? ''}; the product sends what the baseline gives, and \`baseline validate\` warns.`);
  return lines;
}

function settings(profile: ExtensionTypeProfile | DefaultProfile): string[] {
  const out: string[] = [];
  if (profile.requiredSettings?.length) out.push(`- **Required on create:** ${profile.requiredSettings.map(code).join(', ')}.`);
  const aliases = Object.entries(profile.settingAliases ?? {});
  if (aliases.length) out.push(`- **The CLI's names** (any casing) and the keys sent: ${aliases.map(([alias, key]) => `${code(alias)} → ${code(key)}`).join(', ')}.`);
  if (profile.acceptedSettings?.length) out.push(`- **Keys the type reads** (any other is dropped by the CLI; \`baseline validate\` warns): ${profile.acceptedSettings.map(code).join(', ')}.`);
  if (profile.oneShotSettings?.length) out.push(`- **One-shot** (sent on install only, never compared or PATCHed): ${profile.oneShotSettings.map(code).join(', ')}.`);
  for (const setting of profile.clientSideSettings ?? []) out.push(`- ${code(setting.key)} is read by the CLI on the user's machine and never sent: give ${setting.instead}.`);
  if (profile.update) out.push('- **An update** adds what the CLI adds to a PATCH of this type (see the profile module).');
  if (profile.computedSettings?.length) {
    out.push('', 'Settings the product computes on create, as the CLI does:', '', table(['Key', 'When', 'Value', 'Source'], profile.computedSettings.map((setting) => [code(setting.key), setting.when === 'always' ? 'always (a baseline may not set it)' : 'unless the baseline gives it', setting.describe, setting.source])));
  }
  return out;
}

function section(profile: ExtensionTypeProfile | DefaultProfile): string {
  const typed = 'extensionType' in profile ? profile : undefined;
  const lines = [`### ${profile.displayName}${typed ? ` (${code(typed.extensionType)})` : ''}`, '', `Docs: ${profile.docs}`, '', '**What the product sends on install**', '', ...install(profile), ...settings(profile)];
  if (profile.prerequisites?.length) {
    lines.push('', '**Prerequisites checked before an install** (a missing one blocks the install with `PrerequisiteMissing`, naming it and the fix)', '');
    lines.push(table(['Id', 'What', 'Fix', 'When its fact is not known', 'Source'], profile.prerequisites.map((p) => [code(p.id), p.what, p.fix.startsWith('az ') ? code(p.fix) : p.fix, p.whenUnknown ?? '- (read from the cluster)', p.source])));
  }
  if (profile.manualSteps?.length) {
    lines.push('', '**What a person grants** (planned as a step blocked with `PrerequisiteMissing`, with the exact command; the app never attempts it)', '');
    lines.push(table(['Step', 'Grant', 'Source'], profile.manualSteps.map((step) => [code(step.action), step.grant, step.source])));
  }
  const limits: string[] = [];
  if (profile.supportedRegions?.length) limits.push(`- **Regions** (as of ${profile.supportedRegionsAsOf ?? '?'}; a baseline may narrow them): ${profile.supportedRegions.join(', ')}.`);
  if (profile.minKubernetesVersion) limits.push(`- **Minimum Kubernetes version:** ${profile.minKubernetesVersion} (as of ${profile.minKubernetesVersionAsOf ?? '?'}).`);
  if (typed?.immutableSettings?.length) limits.push(`- **Cannot change after creation:** ${typed.immutableSettings.map(code).join(', ')} (a change is a recreate).`);
  if (typed?.supersedes?.length) limits.push(`- **Supersedes** ${typed.supersedes.map(code).join(', ')}.`);
  if (typed?.onDelete) limits.push(`- **On delete:** ${typed.onDelete}`);
  if (limits.length) lines.push('', '**Limits**', '', ...limits);
  if (profile.sources?.length) lines.push('', '**Sources**', '', ...profile.sources.map((source) => `- ${source}`));
  return lines.join('\n');
}

const NOTE = '<!-- Generated by `npm run schema` from the profiles (src/core/extension-types/); edit those, not these sections. -->';

/** One section per cataloged type, then the default profile. */
export function extensionTypesDoc(): string {
  return [NOTE, '', ...[...PROFILED_EXTENSION_TYPES, DEFAULT_PROFILE].map(section).flatMap((text) => [text, ''])].join('\n').trimEnd();
}

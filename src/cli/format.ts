// Human-readable output: a header, a results table and a plan table, sized to the terminal.
import Table from 'cli-table3';
import type { Evaluation, PlanStep, StepRemovals } from '../core/types.js';

const NO_COLOUR = { head: [] as string[], border: [] as string[] };

function table(head: string[], widths: number[], rows: string[][]): string {
  const t = new Table({ head, colWidths: widths, wordWrap: true, wrapOnWordBoundary: true, style: NO_COLOUR });
  t.push(...rows);
  return t.toString();
}

/** The part of a request path below the cluster, so rows stay short: "cluster" or "extensions/flux". */
function target(step: PlanStep, clusterId: string): string {
  const rest = step.change.path.slice(clusterId.length);
  if (rest === '') return 'cluster';
  return rest.replace(/^\/providers\/Microsoft\.KubernetesConfiguration\//i, '');
}

function fit(total: number, fixed: number[], minFlexible: number): number[] {
  const border = fixed.length + 2;
  return [...fixed, Math.max(minFlexible, total - fixed.reduce((a, b) => a + b, 0) - border)];
}

export function renderEvaluationTable(evaluation: Evaluation, baselineSource: string, columns: number): string {
  const width = Math.max(80, Math.min(columns, 200));
  const lines: string[] = [
    `Cluster:  ${evaluation.clusterId}`,
    `Baseline: ${baselineSource}`,
    `Status:   ${evaluation.status}`,
    '',
  ];
  const ruleWidth = Math.min(34, Math.max(12, ...evaluation.results.map((r) => r.ruleId.length + 2)));
  const reasonWidth = Math.min(34, Math.max(8, ...evaluation.results.map((r) => r.reason.length + 2)));
  lines.push(
    evaluation.results.length === 0
      ? 'The baseline turns on no rules.'
      : table(
          ['Rule', 'Status', 'Reason', 'Message'],
          fit(width, [ruleWidth, 15, reasonWidth], 24),
          evaluation.results.map((r) => [r.ruleId, r.status, r.reason, r.message]),
        ),
  );
  lines.push('');
  if (evaluation.plan.length === 0) {
    lines.push('Plan: nothing to change.');
  } else {
    const number = new Map(evaluation.plan.map((step, i) => [step.id, `#${i + 1}`]));
    lines.push(`Plan: ${evaluation.plan.length} step${evaluation.plan.length === 1 ? '' : 's'}, in order (audit steps are never applied).`);
    const stepWidth = Math.min(48, Math.max(10, ...evaluation.plan.map((s) => s.id.length + 2)));
    lines.push(
      table(
        ['#', 'Step', 'Mode', 'After', 'Request'],
        fit(width, [5, stepWidth, 10, 9], 20),
        evaluation.plan.map((step, i) => [
          `#${i + 1}`,
          step.id,
          step.mode,
          step.dependsOn.map((dep) => number.get(dep) ?? dep).join(' ') || '-',
          `${step.change.recreate ? 'DELETE, then PUT' : step.change.method} ${target(step, evaluation.clusterId)}`,
        ]),
      ),
    );
    const notes = stepNotes(evaluation.plan);
    if (notes.length > 0) lines.push('', ...notes);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Under the plan, in words: the steps that cannot run now (and what a person can do), what each step disrupts, and
 * what it removes from the cluster.
 */
export function stepNotes(plan: readonly PlanStep[]): string[] {
  const notes: string[] = [];
  plan.forEach((step, i) => {
    const n = `#${i + 1}`;
    if (step.blockedBy) notes.push(`${n} cannot run now (${step.blockedBy.reason}): ${step.blockedBy.message}`);
    if (step.disrupts) notes.push(`${n} disrupts: ${step.disrupts}`);
    const removed = step.removes ? describeRemovals(step.removes) : undefined;
    if (removed) notes.push(`${n} removes ${removed}`);
  });
  return notes;
}

function describeRemovals(removes: StepRemovals): string | undefined {
  const parts = [
    ...removes.podIdentities.map((identity) => `pod identity ${identity.namespace}/${identity.name}${identity.clientId ? ` (client id ${identity.clientId})` : ''}`),
    ...removes.podIdentityExceptions.map((exception) => `pod identity exception ${exception.namespace}/${exception.name}`),
  ];
  return parts.length > 0 ? parts.join(', ') : undefined;
}

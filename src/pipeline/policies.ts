// The three ways the evaluation pipeline (evaluation.ts) is run, as data. Everything that differs between the
// queue worker, the HTTP remediate route and the CLI scan is here; the stages are the same for all three.
//
//   queue (evaluateCluster)  applies and records; starts writes without waiting; approvals carried on the message
//   HTTP remediate           applies and records unless dryRun; approvals from the body, and a named step's attempt
//                            limit and back-off are cleared (a person asked for it now)
//   CLI scan                 applies with --apply, records with --record, waits for each operation and evaluates
//                            again (unless --no-wait); approvals from --approve, cleared like the HTTP route's
import { DEFAULT_MAX_REMEDIATION_ATTEMPTS, DEFAULT_TUNING, type WorkerTuning } from '../config.js';
import type { EvaluationWorkItem } from '../ports.js';
import type { EvaluationPolicy, IntentRules } from './evaluation.js';

/** The intent protocol's numbers from MAX_REMEDIATION_ATTEMPTS and the tuning. */
export function intentRules(maxAttempts: number, tuning: WorkerTuning): IntentRules {
  return {
    maxAttempts,
    backoffBaseSeconds: tuning.backoffBaseSeconds,
    maxBackoffSeconds: tuning.maxBackoffSeconds,
    openIntentGraceMs: tuning.openRemediationGraceMs,
    followUpDelaySeconds: tuning.continuationDelaySeconds,
  };
}

/** One message of the evaluation queue. */
export function queuePolicy(item: Pick<EvaluationWorkItem, 'approvals'>, intents: IntentRules): EvaluationPolicy {
  return { apply: true, record: true, waitForOperations: false, approvals: item.approvals ?? [], retryApprovedNow: false, intents };
}

/** POST /api/clusters/{...}/remediate. A dry run writes nothing, to ARM or to the tables. */
export function remediatePolicy(body: { dryRun: boolean; approve: readonly string[] }, intents: IntentRules): EvaluationPolicy {
  return { apply: !body.dryRun, record: !body.dryRun, waitForOperations: false, approvals: body.approve, retryApprovedNow: true, intents };
}

/** `aks-baseline-guard scan`, with the default attempt limit and tuning (the CLI reads no app settings for them). */
export function scanPolicy(flags: { apply: boolean; wait: boolean; record: boolean; approvals: readonly string[] }): EvaluationPolicy {
  return {
    apply: flags.apply,
    record: flags.record,
    waitForOperations: flags.apply && flags.wait,
    approvals: flags.approvals,
    retryApprovedNow: true,
    intents: intentRules(DEFAULT_MAX_REMEDIATION_ATTEMPTS, DEFAULT_TUNING),
  };
}

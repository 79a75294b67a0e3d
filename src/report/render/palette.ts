// One colour and one label per status, shared by the tiles, tables and charts so they always agree.
import { REMEDIATION_OUTCOMES, REPORT_STATUSES } from '../model.js';

export const STATUS_COLORS: Record<(typeof REPORT_STATUSES)[number], string> = {
  Compliant: '#2e7d32',
  NonCompliant: '#d32f2f',
  NotApplicable: '#9e9e9e',
  Exempt: '#1e6fd9',
  Unknown: '#f2a900',
  RemediationFailed: '#7f1d1d',
  Deleted: '#4b5563',
};

export const STATUS_LABELS: Record<(typeof REPORT_STATUSES)[number], string> = {
  Compliant: 'Compliant',
  NonCompliant: 'Non-compliant',
  NotApplicable: 'Not applicable',
  Exempt: 'Exempt',
  Unknown: 'Unknown',
  RemediationFailed: 'Remediation failed',
  Deleted: 'Deleted',
};

/** Clusters (or rules) that wait for a person: a share of the non-compliant ones, shown apart. */
export const AWAITING_APPROVAL_COLOR = '#7b3fb0';

export const OUTCOME_COLORS: Record<(typeof REMEDIATION_OUTCOMES)[number], string> = {
  Started: '#5b6b7f',
  Accepted: '#8792a2',
  Succeeded: STATUS_COLORS.Compliant,
  Failed: STATUS_COLORS.RemediationFailed,
  Skipped: STATUS_COLORS.Unknown,
};

export const OUTCOME_LABELS: Record<(typeof REMEDIATION_OUTCOMES)[number], string> = {
  Started: 'Started, not answered yet',
  Accepted: 'Accepted, running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Skipped: 'Skipped (busy, throttled or no longer needed)',
};

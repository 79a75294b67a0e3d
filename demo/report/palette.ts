// One colour and one label per status, shared by the tiles, tables and charts so they always agree.
import type { ReportStatus, TimelineOutcome } from './types.js';

export const STATUS_COLORS: Record<ReportStatus, string> = {
  Compliant: '#2e7d32',
  NonCompliant: '#d32f2f',
  NotApplicable: '#9e9e9e',
  Exempt: '#1e6fd9',
  Unknown: '#f2a900',
  RemediationFailed: '#7f1d1d',
  AwaitingApproval: '#7b3fb0',
};

export const STATUS_LABELS: Record<ReportStatus, string> = {
  Compliant: 'Compliant',
  NonCompliant: 'Non-compliant',
  NotApplicable: 'Not applicable',
  Exempt: 'Exempt',
  Unknown: 'Unknown',
  RemediationFailed: 'Remediation failed',
  AwaitingApproval: 'Awaiting approval',
};

export const OUTCOME_COLORS: Record<TimelineOutcome, string> = {
  started: '#5b6b7f',
  succeeded: STATUS_COLORS.Compliant,
  failed: STATUS_COLORS.RemediationFailed,
  'try-later': STATUS_COLORS.Unknown,
};

export const OUTCOME_LABELS: Record<TimelineOutcome, string> = {
  started: 'Started',
  succeeded: 'Succeeded',
  failed: 'Failed',
  'try-later': 'Try later (busy or throttled)',
};

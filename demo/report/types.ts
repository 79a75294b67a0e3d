// The data the demo hands to the HTML report. Plain JSON-able values only: the report embeds it verbatim.

/** The statuses a report counts, in the order tiles, legends and tables show them. */
export const REPORT_STATUSES = [
  'Compliant',
  'NonCompliant',
  'NotApplicable',
  'Exempt',
  'Unknown',
  'RemediationFailed',
  'AwaitingApproval',
] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Cluster (or finding) counts keyed by status; keys are among REPORT_STATUSES, a missing key means 0. */
export type StatusCounts = Record<string, number>;

/** What the demo found and did. Also the demo's LAST stdout line, as JSON. */
export interface DemoSummary {
  /** Path of the HTML report file. */
  report: string;
  clusters: number;
  before: StatusCounts;
  after: StatusCounts;
  remediationsApplied: number;
  awaitingApproval: number;
  errors: number;
}

export const TIMELINE_OUTCOMES = ['started', 'succeeded', 'failed', 'try-later'] as const;
export type TimelineOutcome = (typeof TIMELINE_OUTCOMES)[number];

export interface ReportData {
  title: string;
  /** ISO 8601 timestamp. */
  generatedAt: string;
  fleet: { clusters: number; subscriptions: number; seed: number; faultRate: number; baseline: string };
  durationMs: number;
  summary: DemoSummary;
  byRule: { ruleId: string; before: StatusCounts; after: StatusCounts }[];
  /** atMs = milliseconds since the demo started. */
  timeline: { atMs: number; clusterId: string; clusterName: string; stepId: string; action: string; outcome: TimelineOutcome }[];
  awaitingApproval: { clusterId: string; clusterName: string; stepId: string; ruleId: string; action: string; httpCall: string; cliCommand: string }[];
  /** The "drift happens" round: when each drift was made, recorded by the service, and fixed. */
  /** recordedMs: change -> recorded (NonCompliant written); fixedMs: change -> fixed (Compliant written again). */
  reactions: { clusterId: string; clusterName: string; drift: string; eventId: string; changedAtMs: number; recordedAtMs: number; fixedAtMs?: number; recordedMs: number; fixedMs?: number; reactionMs: number }[];
  phases: { name: string; startedAtMs: number; endedAtMs: number }[];
}

/**
 * The JSON shapes the Remedy language server sends and accepts (DESIGN.md, "Language server
 * protocol"). Plain data only: no vscode import, so the pure modules and their tests share them.
 */

export interface Position { line: number; character: number }
export interface Range { start: Position; end: Position }

/** One hunk of a proposal: whole lines [range.start.line, range.end.line) become `newText`. */
export interface HunkPayload {
  id: string;
  uri: string;
  range: Range;
  oldText: string;
  newText: string;
}

/** `remedy/proposal` */
export interface ProposalPayload {
  proposalId: string;
  jobId: string;
  uri: string;
  hunks: HunkPayload[];
  summary: string;
  energy: number | null;
  /** The ranker's calibrated probability that the patch is right, in [0, 1]; null when unknown. */
  confidence?: number | null;
  tests: unknown;
}

/** `remedy/event` */
export interface RemedyEvent {
  jobId: string;
  type: string;
  data: Record<string, unknown>;
}

export const EVENT_NOTIFICATION = 'remedy/event';
export const PROPOSAL_NOTIFICATION = 'remedy/proposal';

/**
 * The experimental client capability that tells the server this client renders
 * `remedy/proposal` itself: the server then leaves out the plain-LSP rendering of proposals
 * meant for other editors (hunk diagnostics, showDocument, a plain message for background fixes).
 */
export const RICH_PROPOSALS_CAPABILITY = 'remedyProposals';

/** Commands the server executes (`workspace/executeCommand`). */
export const ServerCommand = {
  fixTest: 'remedy.fixTest',
  acceptHunk: 'remedy.acceptHunk',
  rejectHunk: 'remedy.rejectHunk',
  acceptProposal: 'remedy.acceptProposal',
  rejectProposal: 'remedy.rejectProposal',
  cancel: 'remedy.cancel',
} as const;

/** Commands the extension itself implements. */
export const ClientCommand = {
  showPlan: 'remedy.showPlan',
  reviewInDiff: 'remedy.reviewInDiff',
  restartServer: 'remedy.restartServer',
  selectInterpreter: 'remedy.selectInterpreter',
} as const;

/** A proposal's summary with its confidence, as the editor shows it: `use <= (73% confidence)`. */
export function describeProposal(summary: string, confidence: unknown): string {
  if (typeof confidence !== 'number' || !Number.isFinite(confidence)) {
    return summary;
  }
  const percent = Math.round(Math.min(Math.max(confidence, 0), 1) * 100);
  return `${summary} (${percent}% confidence)`;
}

export function comparePositions(a: Position, b: Position): number {
  return a.line !== b.line ? a.line - b.line : a.character - b.character;
}

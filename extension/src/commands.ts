/**
 * Command plumbing. The server's commands (fixTest, accept/reject, cancel) are registered by the
 * language client; this middleware fills in their one-object argument when they come from a menu,
 * a keybinding or the palette, and tells the review and the plan what the server decided.
 */
import * as vscode from 'vscode';
import { ExecuteCommandSignature, Middleware } from 'vscode-languageclient/node';
import { FixTestArgs, fromCursor, fromTestItem, isFixTestArgs, TestItemLike } from './fixArgs';
import { PlanModel } from './planModel';
import { PROPOSED_SCHEME, ProposalReview } from './proposals';
import { ServerCommand } from './protocol';

export interface CommandDeps {
  review: ProposalReview;
  plan: PlanModel;
  jobStarted(jobId: string): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';

function fixTestArgs(arg: unknown): FixTestArgs | undefined {
  if (isFixTestArgs(arg)) {
    return arg;
  }
  if (isObject(arg) && typeof arg.id === 'string' && arg.uri instanceof vscode.Uri) {
    const item = arg as unknown as TestItemLike & { uri: vscode.Uri };
    return fromTestItem(item, vscode.workspace.getWorkspaceFolder(item.uri)?.uri.fsPath);
  }
  const editor = vscode.window.activeTextEditor;
  if (arg instanceof vscode.Uri && editor?.document.uri.toString() !== arg.toString()) {
    return { uri: arg.toString() };
  }
  return editor ? fromCursor(editor.document.uri.toString(), editor.selection.active) : undefined;
}

export function commandMiddleware(deps: CommandDeps): Middleware {
  const hunkArgs = (arg: unknown) =>
    isObject(arg) && typeof arg.proposalId === 'string' && typeof arg.hunkId === 'string'
      ? { proposalId: arg.proposalId, hunkId: arg.hunkId } : deps.review.hunkAt(vscode.window.activeTextEditor);
  // from the diff editor's title bar the argument is its proposed side, whose query is the id
  const fromDiff = (arg: unknown) => arg instanceof vscode.Uri && arg.scheme === PROPOSED_SCHEME && arg.query !== '';
  const proposalArgs = (arg: unknown) =>
    isObject(arg) && typeof arg.proposalId === 'string' ? { proposalId: arg.proposalId }
      : fromDiff(arg) ? { proposalId: (arg as vscode.Uri).query }
      : (() => {
        const at = deps.review.hunkAt(vscode.window.activeTextEditor);
        const id = at?.proposalId ?? deps.review.latest()?.proposalId;
        return id ? { proposalId: id } : undefined;
      })();
  const cancelArgs = (arg: unknown) => {
    if (isObject(arg) && typeof arg.jobId === 'string') {
      return { jobId: arg.jobId };
    }
    const job = deps.plan.all().find((j) => j.state === 'running' || j.state === 'queued');
    return job ? { jobId: job.jobId } : undefined;
  };

  // The server answers {applied: false, message} when it refused (the text moved on), else the
  // hunks still pending; everything else of the proposal is decided.
  const settle = (proposalId: string, result: unknown, accepted: boolean) => {
    if (isObject(result) && result.applied !== false && Array.isArray(result.pending)) {
      deps.review.settle(proposalId, result.pending.filter((h): h is string => typeof h === 'string'));
      deps.plan.hunksDecided(proposalId, accepted, result.pending.length === 0);
    }
  };

  const run = async (command: string, arg: object | undefined, next: ExecuteCommandSignature, nothing: string) => {
    if (!arg) {
      void vscode.window.showInformationMessage(`Remedy: ${nothing}`);
      return undefined;
    }
    try {
      return await next(command, [arg]);
    } catch (err) {
      void vscode.window.showErrorMessage(`Remedy: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };

  return {
    executeCommand: async (command, args, next) => {
      const first = args[0];
      switch (command) {
        case ServerCommand.fixTest: {
          const result = await run(command, fixTestArgs(first), next, 'open a test file and put the cursor in a test.');
          if (isObject(result) && typeof result.jobId === 'string') {
            deps.jobStarted(result.jobId);
          }
          return result;
        }
        case ServerCommand.acceptHunk:
        case ServerCommand.rejectHunk: {
          const arg = hunkArgs(first);
          const result = await run(command, arg, next, 'no proposed hunk here.');
          if (arg) {
            settle(arg.proposalId, result, command === ServerCommand.acceptHunk);
          }
          return result;
        }
        case ServerCommand.acceptProposal:
        case ServerCommand.rejectProposal: {
          const arg = proposalArgs(first);
          const result = await run(command, arg, next, 'no proposed fix is waiting for review.');
          if (arg) {
            settle(arg.proposalId, result, command === ServerCommand.acceptProposal);
            if (fromDiff(first)) {
              await deps.review.closeDiff(arg.proposalId);
            }
          }
          return result;
        }
        case ServerCommand.cancel:
          return run(command, cancelArgs(first), next, 'no repair is running.');
        default:
          return next(command, args);
      }
    },
  };
}

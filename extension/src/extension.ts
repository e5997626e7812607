/** Entry point: wires the client, the inline review, the plan view and the status bar together. */
import * as vscode from 'vscode';
import { RemedyClient } from './client';
import { commandMiddleware } from './commands';
import { PlanModel } from './planModel';
import { PlanView } from './planView';
import { ProposalReview } from './proposals';
import { ClientCommand, describeProposal } from './protocol';
import { onInterpreterChanged } from './python';
import { SECTION, configuredPython } from './settings';
import { OPEN_LOG, SELECT, Setup } from './setup';
import { StatusBar } from './statusBar';

let client: RemedyClient | undefined;
const RESTART = 'Restart server';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('Remedy', { log: true });
  const status = new StatusBar();
  const review = new ProposalReview();
  const plan = new PlanModel();
  const planView = new PlanView(plan);
  const setContext = (key: string, value: boolean) => vscode.commands.executeCommand('setContext', key, value);

  let running = false;
  const askedFor = new Set<string>();
  const updateStatus = () => {
    const repairing = plan.all().some((j) => j.state === 'running' || j.state === 'queued');
    const ready = review.pendingCount() > 0;
    void setContext('remedy.repairing', repairing);
    void setContext('remedy.hasProposal', ready);
    if (!running) {
      return;
    }
    const latest = ready ? review.latest() : undefined;
    status.show(repairing ? 'repairing' : ready ? 'ready' : 'idle',
      latest ? describeProposal(latest.summary, latest.confidence) : undefined);
  };

  const restart = async () => {
    status.show('starting');
    await client?.restart();
  };
  const setup = new Setup(context.extensionPath, output, restart);

  client = new RemedyClient(context.extensionPath, output, commandMiddleware({
    review, plan,
    jobStarted: (jobId) => {
      askedFor.add(jobId);
      status.show('repairing');
    },
  }), {
    onEvent: (event) => {
      plan.apply(event);
      planView.refresh();
      updateStatus();
    },
    onProposal: (proposal) => {
      plan.proposalPending(proposal.proposalId);     // sent again after an undo: pending again
      review.add(proposal);
      updateStatus();
      if (askedFor.delete(proposal.jobId)) {
        void review.reveal(proposal);     // the user asked for this fix: show it; watch fixes wait
      }
    },
    onRunning: (isRunning, detail) => {
      running = isRunning;
      void setContext('remedy.active', isRunning);
      if (isRunning) {
        updateStatus();
      } else {
        // what the old server had in flight or pending is gone with it
        plan.serverStopped();
        review.clear();
        planView.refresh();
        status.show('error', detail);
      }
    },
    onUnfit: (python, unfit) => void setup.offer(python, unfit),
    onCrashed: (detail) => {
      void vscode.window.showErrorMessage(`Remedy: ${detail}; see the log.`, RESTART, SELECT, OPEN_LOG).then((choice) =>
        choice === RESTART ? restart() : choice === SELECT ? setup.selectInterpreter(configuredPython())
          : choice === OPEN_LOG ? output.show() : undefined);
    },
  });
  const remedy = client;

  context.subscriptions.push(
    output, status, review, planView, remedy,
    review.onDidChangePending(() => { planView.refresh(); updateStatus(); }),
    vscode.commands.registerCommand(ClientCommand.showPlan, () => planView.show()),
    vscode.commands.registerCommand(ClientCommand.reviewInDiff, (arg?: { proposalId?: string }) => review.reviewInDiff(arg?.proposalId)),
    vscode.commands.registerCommand(ClientCommand.restartServer, restart),
    vscode.commands.registerCommand(ClientCommand.selectInterpreter, () => setup.selectInterpreter(configuredPython())),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration(`${SECTION}.python`)) {
        await restart();            // whatever state the server is in, start-up failures included
      } else if (e.affectsConfiguration(SECTION)) {
        await remedy.sendSettings();
      }
    }),
  );
  const interpreterWatch = await onInterpreterChanged(() => {
    if (!configuredPython()) {
      void restart();
    }
  });
  if (interpreterWatch) {
    context.subscriptions.push(interpreterWatch);
  }
  await remedy.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

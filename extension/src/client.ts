/**
 * Launches `python -m server` over stdio with vscode-languageclient, shows its log in the "Remedy"
 * output channel, sends the `remedy` settings as initializationOptions and on change, and restarts
 * it on demand, whatever state the previous client was left in. The Python packages (`agent`,
 * `server`) ship inside the extension, at its root. The interpreter is checked first
 * (preflight.ts); one that cannot run the server is never launched, and a server that stops is
 * never respawned behind the user's back: the listeners say so, once.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import {
  ClientCapabilities, CloseAction, DidChangeConfigurationNotification, ErrorAction, ErrorCodes, ExecuteCommandRequest,
  FeatureState, LanguageClient, LanguageClientOptions, MessageSignature, Middleware, ResponseError,
  RevealOutputChannelOn, ServerOptions, State, StaticFeature,
} from 'vscode-languageclient/node';
import { checkInterpreter, Unfit } from './preflight';
import { Interpreter, resolveInterpreter } from './python';
import {
  EVENT_NOTIFICATION, PROPOSAL_NOTIFICATION, ProposalPayload, RICH_PROPOSALS_CAPABILITY, RemedyEvent,
} from './protocol';
import { SECTION, readSettings } from './settings';

export interface ClientListeners {
  onEvent(event: RemedyEvent): void;
  onProposal(proposal: ProposalPayload): void;
  onRunning(running: boolean, detail: string): void;
  /** The interpreter cannot run the server: it was not launched. */
  onUnfit(python: Interpreter, unfit: Unfit): void;
  /** The server stopped on its own (crashed, or exited): it is not restarted. */
  onCrashed(detail: string): void;
}

/**
 * The language client, quiet: what it would show as a notification (even "forced" ones, such as
 * "couldn't create connection to server") goes to the output only, and the listeners tell the user
 * once.
 */
class QuietClient extends LanguageClient {
  override info(message: string, data?: unknown): void {
    super.info(message, data, false);
  }

  override warn(message: string, data?: unknown): void {
    super.warn(message, data, false);
  }

  override error(message: string, data?: unknown): void {
    super.error(message, data, false);
  }

  /**
   * A command the server refuses (InvalidParams: a one-line reason, e.g. "Fix this test" with the
   * cursor outside any test) goes straight to the command middleware, which says it once; the
   * library would first log "Request workspace/executeCommand failed." as an error.
   */
  override handleFailedRequest<T>(type: MessageSignature, token: vscode.CancellationToken | undefined,
    error: unknown, defaultValue: T, showNotification?: boolean): T {
    if (type.method === ExecuteCommandRequest.method && error instanceof ResponseError
      && error.code === ErrorCodes.InvalidParams) {
      throw error;
    }
    return super.handleFailedRequest(type, token, error, defaultValue, showNotification);
  }
}

/** Declares that this client renders `remedy/proposal` (see RICH_PROPOSALS_CAPABILITY). */
class RichProposals implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), [RICH_PROPOSALS_CAPABILITY]: true };
  }
  initialize(): void {}
  getState(): FeatureState { return { kind: 'static' }; }
  clear(): void {}
}

export class RemedyClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly serverRoot: string,
    private readonly output: vscode.LogOutputChannel,
    private readonly middleware: Middleware,
    private readonly listeners: ClientListeners,
  ) {}

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  start(): Promise<void> {
    this.starting ??= this.launch().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  /** Stop whatever runs (or failed to start, or is still starting) and launch afresh. */
  async restart(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      return;
    }
    this.listeners.onRunning(false, 'stopped');
    // A client that never started (startFailed) refuses stop() and may refuse dispose(): it is
    // dropped all the same, so that the next start is a clean one.
    if (client.state !== State.Stopped) {
      try {
        await client.stop(5000);
      } catch (err) {
        this.output.warn(`stopping the server: ${err}`);
      }
    }
    try {
      await client.dispose(2000);
    } catch (err) {
      this.output.warn(`disposing of the old client: ${err}`);
    }
  }

  /** Push the current settings to a running server. */
  async sendSettings(): Promise<void> {
    if (this.client && this.running) {
      await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [SECTION]: readSettings() } });
    }
  }

  private async launch(): Promise<void> {
    const python = await resolveInterpreter(this.output);
    const env = { ...process.env, PYTHONPATH: [this.serverRoot, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
    const unfit = await checkInterpreter(python.path, this.serverRoot, env);
    if (unfit) {
      this.output.error(`not starting the server: ${python.path} (${python.source}) ${unfit.problem}`);
      if (unfit.detail.trim()) {
        this.output.error(unfit.detail.trim());
      }
      this.listeners.onRunning(false, `${python.path} ${unfit.problem}`);
      this.listeners.onUnfit(python, unfit);
      return;
    }
    this.output.info(`starting the server: ${python.path} -m server (interpreter from ${python.source}, cwd ${this.serverRoot})`);
    const serverOptions: ServerOptions = {
      command: python.path, args: ['-m', 'server'], options: { cwd: this.serverRoot, env },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }],
      outputChannel: this.output,
      // Every failure is logged there and told once, by the listeners: no toasts of the client's own.
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationFailedHandler: () => false,
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => ({ action: CloseAction.DoNotRestart, handled: true }),
      },
      initializationOptions: readSettings(),
      middleware: {
        ...this.middleware,
        workspace: {
          // The server pulls the `remedy` section: answer with the same typed object we push.
          configuration: async (params, token, next) => {
            const fallback = await next(params, token);
            return params.items.map((item, i) =>
              item.section === SECTION ? readSettings() : Array.isArray(fallback) ? fallback[i] : null);
          },
        },
      },
    };
    const client = new QuietClient('remedy', 'Remedy', serverOptions, clientOptions);
    client.registerFeature(new RichProposals());
    client.onNotification(EVENT_NOTIFICATION, (event: RemedyEvent) => {
      this.output.info(`[${event.jobId}] ${event.type}`);
      this.listeners.onEvent(event);
    });
    client.onNotification(PROPOSAL_NOTIFICATION, (proposal: ProposalPayload) => {
      this.output.info(`[${proposal.jobId}] proposal ${proposal.proposalId}: ${proposal.summary} (${proposal.hunks.length} hunks)`);
      this.listeners.onProposal(proposal);
    });
    let started = false;
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.client === client && started) {
        this.listeners.onRunning(false, 'the server stopped; see the Remedy output');
        this.listeners.onCrashed(`the server (${python.path}) stopped`);
      }
    });
    this.client = client;
    try {
      await client.start();
      // a server that exits during start-up can leave start() resolved but the client stopped
      if (client.state !== State.Running) {
        throw new Error('the server exited during start-up');
      }
      started = true;
    } catch (err) {
      this.output.error(`the server did not start: ${err}`);
      this.listeners.onRunning(false, String(err));
      this.listeners.onCrashed(`the server did not start with ${python.path}`);
      return;
    }
    this.listeners.onRunning(true, `${python.path} (${python.source})`);
  }

  dispose(): void {
    void this.stop();
  }
}

/**
 * Launches `python -m server` over stdio with vscode-languageclient, shows its log in the "Remedy"
 * output channel, sends the `remedy` settings as initializationOptions and on change, and restarts
 * it on demand. The Python packages (`agent`, `server`) ship inside the extension, at its root.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import {
  ClientCapabilities, DidChangeConfigurationNotification, ErrorCodes, ExecuteCommandRequest, FeatureState,
  LanguageClient, LanguageClientOptions, MessageSignature, Middleware, ResponseError, ServerOptions, State,
  StaticFeature,
} from 'vscode-languageclient/node';
import { resolveInterpreter } from './python';
import {
  EVENT_NOTIFICATION, PROPOSAL_NOTIFICATION, ProposalPayload, RICH_PROPOSALS_CAPABILITY, RemedyEvent,
} from './protocol';
import { SECTION, readSettings } from './settings';

export interface ClientListeners {
  onEvent(event: RemedyEvent): void;
  onProposal(proposal: ProposalPayload): void;
  onRunning(running: boolean, detail: string): void;
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

/**
 * A command the server refuses (InvalidParams: a one-line reason, e.g. "Fix this test" with the
 * cursor outside any test) goes straight to the command middleware, which says it once; the
 * library would first log "Request workspace/executeCommand failed." and raise a second toast.
 */
class RemedyLanguageClient extends LanguageClient {
  handleFailedRequest<T>(type: MessageSignature, token: vscode.CancellationToken | undefined, error: unknown,
    defaultValue: T, showNotification?: boolean): T {
    if (type.method === ExecuteCommandRequest.method && error instanceof ResponseError
      && error.code === ErrorCodes.InvalidParams) {
      throw error;
    }
    return super.handleFailedRequest(type, token, error, defaultValue, showNotification);
  }
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

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      this.listeners.onRunning(false, 'stopped');
      try {
        await client.stop(5000);
      } catch (err) {
        this.output.warn(`stopping the server: ${err}`);
      }
      await client.dispose();
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
    this.output.info(`starting the server: ${python.path} -m server (interpreter from ${python.source}, cwd ${this.serverRoot})`);
    const env = { ...process.env, PYTHONPATH: [this.serverRoot, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
    const serverOptions: ServerOptions = {
      command: python.path, args: ['-m', 'server'], options: { cwd: this.serverRoot, env },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }],
      outputChannel: this.output,
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
    const client = new RemedyLanguageClient('remedy', 'Remedy', serverOptions, clientOptions);
    client.registerFeature(new RichProposals());
    client.onNotification(EVENT_NOTIFICATION, (event: RemedyEvent) => {
      this.output.info(`[${event.jobId}] ${event.type}`);
      this.listeners.onEvent(event);
    });
    client.onNotification(PROPOSAL_NOTIFICATION, (proposal: ProposalPayload) => {
      this.output.info(`[${proposal.jobId}] proposal ${proposal.proposalId}: ${proposal.summary} (${proposal.hunks.length} hunks)`);
      this.listeners.onProposal(proposal);
    });
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.client === client) {
        this.listeners.onRunning(false, 'the server stopped; see the Remedy output');
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.output.error(`the server did not start: ${err}`);
      this.listeners.onRunning(false, String(err));
      void vscode.window.showErrorMessage(
        `Remedy: the server did not start with ${python.path}. Set "remedy.python" to an interpreter where Remedy is installed (pip install -e <remedy checkout>).`,
        'Show log').then((choice) => choice && this.output.show());
      return;
    }
    this.listeners.onRunning(true, `${python.path} (${python.source})`);
  }

  dispose(): void {
    void this.stop();
  }
}

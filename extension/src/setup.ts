/**
 * First run: the ONE message shown when the interpreter cannot run the server (preflight.ts says
 * why), and its buttons. "Select interpreter" picks one (the workspace's virtualenvs, python3, or a
 * path typed in) into `remedy.python`, which restarts the server; "Install into it" pip-installs the
 * extension's own Python package, dependencies included, into that interpreter and restarts the
 * server; "Open log" shows the Remedy output.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Unfit } from './preflight';
import { Interpreter } from './python';
import { SECTION } from './settings';

export const SELECT = 'Select interpreter';
export const INSTALL = 'Install into it';
export const OPEN_LOG = 'Open log';

const SOURCE: Record<Interpreter['source'], string> = {
  setting: 'remedy.python', 'python extension': "the Python extension's interpreter", default: 'python3 on PATH',
};

/** The message for an interpreter that cannot run the server. */
export function unfitMessage(python: Interpreter, unfit: Unfit): string {
  return `Remedy cannot start: ${python.path} (${SOURCE[python.source]}) ${unfit.problem}.`;
}

export class Setup {
  constructor(
    private readonly serverRoot: string,
    private readonly output: vscode.LogOutputChannel,
    private readonly restart: () => Promise<void>,
  ) {}

  /** Show the one toast; act on the button the user picks. */
  async offer(python: Interpreter, unfit: Unfit): Promise<void> {
    const buttons = unfit.installable ? [SELECT, INSTALL, OPEN_LOG] : [SELECT, OPEN_LOG];
    const choice = await vscode.window.showErrorMessage(unfitMessage(python, unfit), ...buttons);
    if (choice === SELECT) {
      await this.selectInterpreter(python.path);
    } else if (choice === INSTALL) {
      await this.install(python.path);
    } else if (choice === OPEN_LOG) {
      this.output.show();
    }
  }

  /** Pick an interpreter into `remedy.python` (the change restarts the server). */
  async selectInterpreter(current: string): Promise<void> {
    const typeIn = 'Enter interpreter path…';
    const found = this.candidates().filter((p) => p !== current);
    const picked = await vscode.window.showQuickPick([...found, typeIn], {
      title: 'Remedy: the Python interpreter that runs the Remedy server', placeHolder: 'an interpreter with Remedy installed',
    });
    const chosen = picked === typeIn
      ? await vscode.window.showInputBox({ title: 'Remedy: Python interpreter', value: current, prompt: 'Path of a Python interpreter with Remedy installed' })
      : picked;
    if (chosen && chosen.trim()) {
      const config = vscode.workspace.getConfiguration(SECTION);
      const inWorkspace = config.inspect('python')?.workspaceValue !== undefined;
      await config.update('python', chosen.trim(), inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    }
  }

  /** `python -m pip install <the extension>`, logged to the output; restarts the server when done. */
  async install(python: string): Promise<void> {
    const args = ['-m', 'pip', 'install', this.serverRoot];
    this.output.info(`installing Remedy: ${python} ${args.join(' ')}`);
    const code = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Remedy: installing into ${python}…` },
      () => new Promise<number>((resolve) => {
        const child = spawn(python, args, { cwd: this.serverRoot, env: process.env });
        const log = (data: Buffer) => data.toString().split('\n').filter(Boolean).forEach((l) => this.output.info(l));
        child.stdout.on('data', log);
        child.stderr.on('data', log);
        child.on('error', (err) => { this.output.error(`pip did not start: ${err}`); resolve(-1); });
        child.on('close', (c) => resolve(c ?? -1));
      }));
    if (code === 0) {
      this.output.info('installed; restarting the server');
      await this.restart();
      return;
    }
    const choice = await vscode.window.showErrorMessage(
      `Remedy: pip could not install into ${python} (exit code ${code}); the log says why. A virtualenv of your own avoids most of these.`,
      SELECT, OPEN_LOG);
    if (choice === SELECT) {
      await this.selectInterpreter(python);
    } else if (choice === OPEN_LOG) {
      this.output.show();
    }
  }

  /** Interpreters worth offering: the workspace folders' virtualenvs, then python3. */
  private candidates(): string[] {
    const found: string[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const venv of ['.venv', 'venv', 'env']) {
        const exe = path.join(folder.uri.fsPath, venv, 'bin', 'python');
        if (fs.existsSync(exe)) {
          found.push(exe);
        }
      }
    }
    return [...found, 'python3'];
  }
}

/**
 * The status-bar item: starting / idle / repairing (spinner) / fix ready / error. Its "idle" state
 * is also the signal that the extension is active and its server is running.
 */
import * as vscode from 'vscode';
import { ClientCommand } from './protocol';

export type Status = 'starting' | 'idle' | 'repairing' | 'ready' | 'error';

const LOOK: Record<Status, { text: string; label: string }> = {
  starting: { text: '$(loading~spin) Remedy', label: 'Remedy: starting' },
  idle: { text: '$(check) Remedy', label: 'Remedy: idle' },
  repairing: { text: '$(sync~spin) Remedy: repairing', label: 'Remedy: repairing' },
  ready: { text: '$(lightbulb) Remedy: fix ready', label: 'Remedy: fix ready' },
  error: { text: '$(error) Remedy', label: 'Remedy: server stopped' },
};

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('remedy.status', vscode.StatusBarAlignment.Left, 50);
  private status: Status = 'starting';

  constructor() {
    this.item.name = 'Remedy';
    this.show('starting');
    this.item.show();
  }

  get current(): Status {
    return this.status;
  }

  show(status: Status, detail = ''): void {
    this.status = status;
    const look = LOOK[status];
    this.item.text = look.text;
    this.item.tooltip = detail ? `${look.label} — ${detail}` : look.label;
    this.item.accessibilityInformation = { label: look.label };
    this.item.command = status === 'ready' ? ClientCommand.reviewInDiff
      : status === 'error' ? ClientCommand.restartServer : ClientCommand.showPlan;
    this.item.backgroundColor = status === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

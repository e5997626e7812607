/** Reads the `remedy` settings section (declared once, in package.json) into its typed shape. */
import * as vscode from 'vscode';
import { RemedySettings, toInitializationOptions } from './settingsModel';

export const SECTION = 'remedy';

export function readSettings(scope?: vscode.ConfigurationScope): RemedySettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return toInitializationOptions((key) => config.get(key));
}

/** `remedy.python`, with `${workspaceFolder}` and `~` expanded. */
export function configuredPython(): string {
  const raw = readSettings().python.trim();
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  return raw.replace(/\$\{workspaceFolder\}/g, folder).replace(/^~(?=$|\/)/, process.env.HOME ?? '~');
}

/**
 * Which interpreter runs the server: `remedy.python`, else the Python extension's active
 * interpreter when that extension is installed, else `python3` from PATH.
 */
import * as vscode from 'vscode';
import { configuredPython } from './settings';

export interface Interpreter { path: string; source: 'setting' | 'python extension' | 'default' }

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

async function pythonExtension(): Promise<PythonExtensionApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) {
    return undefined;
  }
  return ext.isActive ? ext.exports : await ext.activate();
}

export async function resolveInterpreter(log: vscode.LogOutputChannel): Promise<Interpreter> {
  const configured = configuredPython();
  if (configured) {
    return { path: configured, source: 'setting' };
  }
  try {
    const envs = (await pythonExtension())?.environments;
    if (envs) {
      const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
      const env = await envs.resolveEnvironment(envs.getActiveEnvironmentPath(resource));
      const exe = env?.executable.uri?.fsPath;
      if (exe) {
        return { path: exe, source: 'python extension' };
      }
    }
  } catch (err) {
    log.warn(`could not ask the Python extension for its interpreter: ${err}`);
  }
  return { path: 'python3', source: 'default' };
}

/** Fires when the Python extension's active interpreter changes (never when it is absent). */
export async function onInterpreterChanged(listener: () => void): Promise<vscode.Disposable | undefined> {
  try {
    const event = (await pythonExtension())?.environments?.onDidChangeActiveEnvironmentPath;
    return event ? event(() => listener()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Before the server is launched: can this interpreter import it? `python -c "import server.server"`
 * with the extension's packages on PYTHONPATH, exactly as the server will start, so a missing
 * interpreter or a missing dependency (pygls, lsprotocol, tree-sitter, ...) is named once, here,
 * instead of surfacing as a language client that crashes on start. No vscode import: the unit
 * tests run it against real interpreters.
 */
import { execFile } from 'child_process';

/** What the interpreter is missing; `undefined` from checkInterpreter means it can run the server. */
export interface Unfit {
  /** One line for the user: "has no module named 'lsprotocol'". */
  problem: string;
  /** The interpreter runs, so installing Remedy into it would help. */
  installable: boolean;
  /** What it printed, for the log. */
  detail: string;
}

export const CHECK_TIMEOUT_MS = 60000;
const IMPORT_SERVER = 'import server.server';

/** How the check ended: a spawn error code (ENOENT, ...), a timeout, or an exit code and stderr. */
export interface Outcome { spawnError?: string; timedOut?: boolean; code: number | null; stderr: string }

/** The one-line problem behind a check's outcome (pure: the unit tests feed it outcomes). */
export function readOutcome(outcome: Outcome): Unfit | undefined {
  const { spawnError, timedOut, code, stderr } = outcome;
  if (spawnError === 'ENOENT') {
    return { problem: 'was not found', installable: false, detail: spawnError };
  }
  if (spawnError) {
    return { problem: `cannot be run (${spawnError})`, installable: false, detail: spawnError };
  }
  if (timedOut) {
    return { problem: `did not answer within ${CHECK_TIMEOUT_MS / 1000} s`, installable: false, detail: stderr };
  }
  if (code === 0) {
    return undefined;
  }
  const missing = /No module named '([^']+)'/.exec(stderr);
  if (missing) {
    return { problem: `has no module named '${missing[1].split('.')[0]}' (Remedy's dependencies are not installed there)`,
      installable: true, detail: stderr };
  }
  const last = stderr.trim().split('\n').pop()?.trim();
  return { problem: `cannot import Remedy's server: ${last || `exit code ${code}`}`, installable: true, detail: stderr };
}

/** Run the check; resolves to what is missing, or `undefined` when the server can start. */
export function checkInterpreter(python: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Unfit | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', IMPORT_SERVER], { cwd, env, timeout: CHECK_TIMEOUT_MS, windowsHide: true },
      (error, _stdout, stderr) => {
        const text = String(stderr ?? '');
        if (!error) {
          resolve(readOutcome({ code: 0, stderr: text }));
          return;
        }
        const code = (error as { code?: unknown }).code;
        resolve(readOutcome({
          spawnError: typeof code === 'string' ? code : undefined, timedOut: error.killed === true,
          code: typeof code === 'number' ? code : null, stderr: text,
        }));
      });
  });
}

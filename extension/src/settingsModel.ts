/**
 * The `remedy` settings section as the server receives it (initializationOptions and
 * workspace/didChangeConfiguration). The keys are package.json's `contributes.configuration`
 * properties; the unit tests check the two lists stay the same.
 */

export interface RemedySettings {
  engine: string;
  python: string;
  llm: { baseUrl: string; model: string; apiKeyEnv: string; toolProtocol: string };
  watch: { enabled: boolean; autoRepair: boolean };
  sandbox: { unsafe: boolean };
  pytestArgs: string[];
  timeBudget: number;
  maxCandidates: number;
  learnHistory: boolean;
}

/** Every setting, relative to the `remedy` section, with the type it must have. */
export const SETTING_KEYS = {
  engine: 'string',
  python: 'string',
  'llm.baseUrl': 'string',
  'llm.model': 'string',
  'llm.apiKeyEnv': 'string',
  'llm.toolProtocol': 'string',
  'watch.enabled': 'boolean',
  'watch.autoRepair': 'boolean',
  'sandbox.unsafe': 'boolean',
  pytestArgs: 'string[]',
  timeBudget: 'number',
  maxCandidates: 'number',
  learnHistory: 'boolean',
} as const;

export type SettingKey = keyof typeof SETTING_KEYS;

/** Reads one setting; `undefined` when unset and without a default. */
export type SettingReader = (key: SettingKey) => unknown;

/**
 * Build the section object from a reader (vscode's WorkspaceConfiguration.get in the extension, a
 * map in tests). A value of the wrong type is dropped, so the server falls back to its default
 * instead of failing on, say, a string where a number belongs.
 */
export function toInitializationOptions(read: SettingReader): RemedySettings {
  const str = (k: SettingKey, d: string) => (typeof read(k) === 'string' ? (read(k) as string) : d);
  const bool = (k: SettingKey, d: boolean) => (typeof read(k) === 'boolean' ? (read(k) as boolean) : d);
  const num = (k: SettingKey, d: number) => {
    const v = read(k);
    return typeof v === 'number' && Number.isFinite(v) ? v : d;
  };
  const args = read('pytestArgs');
  return {
    engine: str('engine', 'auto'),
    python: str('python', ''),
    llm: {
      baseUrl: str('llm.baseUrl', ''),
      model: str('llm.model', ''),
      apiKeyEnv: str('llm.apiKeyEnv', 'OPENAI_API_KEY'),
      toolProtocol: str('llm.toolProtocol', 'native'),
    },
    watch: { enabled: bool('watch.enabled', false), autoRepair: bool('watch.autoRepair', false) },
    sandbox: { unsafe: bool('sandbox.unsafe', false) },
    pytestArgs: Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [],
    timeBudget: num('timeBudget', 60),
    maxCandidates: num('maxCandidates', 400),
    learnHistory: bool('learnHistory', false),
  };
}

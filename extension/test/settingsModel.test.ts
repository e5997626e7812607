import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { SETTING_KEYS, SettingKey, toInitializationOptions } from '../src/settingsModel';

// out/test/ -> repository root
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown; description?: string; type: string }> =
  manifest.contributes.configuration.properties;
const fromManifest = (key: SettingKey) => properties[`remedy.${key}`]?.default;

test('package.json declares exactly the settings the server receives, each described', () => {
  assert.deepEqual(Object.keys(properties).sort(), Object.keys(SETTING_KEYS).map((k) => `remedy.${k}`).sort());
  for (const [key, spec] of Object.entries(properties)) {
    assert.ok(spec.description && spec.description.length > 10, `${key} needs a description`);
    assert.ok('default' in spec, `${key} needs a default`);
  }
});

test('the defaults in package.json give the same section as no settings at all', () => {
  assert.deepEqual(toInitializationOptions(fromManifest), toInitializationOptions(() => undefined));
});

test('settings become the nested remedy section the server reads', () => {
  const values: Partial<Record<SettingKey, unknown>> = {
    engine: 'builtin', python: '/venv/bin/python', 'llm.baseUrl': 'http://localhost:8000/v1', 'llm.model': 'qwen',
    'llm.apiKeyEnv': 'MY_KEY', 'llm.toolProtocol': 'json', 'watch.enabled': true, 'watch.autoRepair': true,
    'sandbox.unsafe': true, pytestArgs: ['-x', '-q'], timeBudget: 30, maxCandidates: 50, learnHistory: true,
  };
  assert.deepEqual(toInitializationOptions((k) => values[k] ?? fromManifest(k)), {
    engine: 'builtin', python: '/venv/bin/python',
    llm: { baseUrl: 'http://localhost:8000/v1', model: 'qwen', apiKeyEnv: 'MY_KEY', toolProtocol: 'json' },
    watch: { enabled: true, autoRepair: true }, sandbox: { unsafe: true }, pytestArgs: ['-x', '-q'],
    timeBudget: 30, maxCandidates: 50, learnHistory: true,
  });
});

test('values of the wrong type fall back to the defaults', () => {
  const bad: Partial<Record<SettingKey, unknown>> = { timeBudget: 'soon', maxCandidates: NaN, 'watch.enabled': 'yes', pytestArgs: ['-x', 3] };
  const out = toInitializationOptions((k) => bad[k]);
  assert.equal(out.timeBudget, 60);
  assert.equal(out.maxCandidates, 400);
  assert.equal(out.watch.enabled, false);
  assert.deepEqual(out.pytestArgs, ['-x']);
});

test('the manifest contributes every command the server and the extension implement', () => {
  const ids = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(ids, ['remedy.acceptHunk', 'remedy.acceptProposal', 'remedy.cancel', 'remedy.fixTest',
    'remedy.rejectHunk', 'remedy.rejectProposal', 'remedy.restartServer', 'remedy.reviewInDiff', 'remedy.selectInterpreter',
    'remedy.showPlan']);
  const testMenu = manifest.contributes.menus['testing/item/context'].map((m: { command: string }) => m.command);
  assert.ok(testMenu.includes('remedy.fixTest'));
});

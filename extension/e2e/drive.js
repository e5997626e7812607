// Drives code-server with playwright-core + Debian chromium through the Remedy extension:
//   0. ws-first, a fresh profile whose remedy.python lacks Remedy's dependencies: exactly one
//      Remedy toast (no language-client toasts, no respawns) naming the missing module, with
//      "Select interpreter", "Install into it" and "Open log"; "Select interpreter" -> a path typed
//      in -> the server starts and the lenses appear, with no restart command.
//   1. ws-accept: wait for the status bar to say the server is up, click "Fix this test" on the
//      failing test, wait for the inline proposal (struck ">" and green ">="), click Accept, save;
//      the file on disk has the fix and the test passes. Ctrl+Z brings the proposal back (recorded
//      as undone); Accept again. Also checks the plan view.
//   2. ws-reject: same up to the proposal, "Review in diff editor": no inline decorations there,
//      Accept and Reject in its title bar; Reject there: the diff closes, the decorations go, the
//      buffer is clean, the file is byte-identical to the fixture, the test still fails. Then "Fix
//      this test" on a passing test: the server's prompt (window/showMessageRequest) shows as a
//      notification. "Fix this test" from the palette on line 1 (outside any test): exactly one
//      toast, saying so.
// Usage: node drive.js URL WS_FIRST WS_ACCEPT WS_REJECT FIXTURE SHOT_DIR PYTHON
const { chromium } = require('playwright-core');
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const [url, wsFirst, wsAccept, wsReject, fixture, shotDir, python] = process.argv.slice(2);
const TEST_FILE = 'tests/test_pricing.py';
const TARGET = 'shop/pricing.py';
const FAILING = 'def test_bulk_discount_starts_at_threshold';
const PASSING = 'def test_small_quantity_pays_full_price';
const BUGGY_LINE = 'if quantity > BULK_THRESHOLD:';
const REPAIR_TIMEOUT = 180000;
const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const step = (msg) => console.log(`[${stamp()}] ${msg}`);
const shot = (page, name) => page.screenshot({ path: path.join(shotDir, name) });

function check(cond, msg) {
  if (!cond) {
    throw new Error(`check failed: ${msg}`);
  }
}

function pytest(ws) {
  const r = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', TEST_FILE], { cwd: ws, encoding: 'utf8' });
  return { code: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

async function palette(page, label) {
  const input = page.locator('.quick-input-widget input');
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({
    has: page.locator('.label-name', { hasText: exact }) }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      await input.fill('>' + label);
      await row.waitFor({ timeout: 10000 });
      await row.click();
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

async function openWorkspace(page, ws) {
  await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
  // Activation signal: the status-bar item reads "Remedy: idle" once the server is initialized.
  const up = page.locator('[aria-label="Remedy: idle"], [aria-label="Remedy: server stopped"]').first();
  await up.waitFor({ timeout: 120000 });
  check(await up.getAttribute('aria-label') === 'Remedy: idle', 'the Remedy server did not start');
  step(`extension active, server running (${path.basename(ws)})`);
}

async function openFile(page, relPath) {
  const parts = relPath.split('/');
  for (const [i, name] of parts.entries()) {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
    await row.waitFor({ timeout: 60000 });
    const expanded = await row.getAttribute('aria-expanded');
    if (i < parts.length - 1 && expanded === 'true') {
      continue;
    }
    await row.click();
  }
  await page.locator('.tab.active', { hasText: parts[parts.length - 1] }).waitFor({ timeout: 30000 });
}

// The code lens titled exactly `title` nearest above the editor line containing `lineText`.
async function lensAbove(page, title, lineText, timeout = 60000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const line = page.locator('.monaco-editor .view-line', { hasText: lineText }).first();
    const lineBox = await line.boundingBox().catch(() => null);
    if (lineBox) {
      const lenses = page.locator('.monaco-editor .codelens-decoration a');
      let best = null;
      for (let i = 0; i < await lenses.count(); i++) {
        const lens = lenses.nth(i);
        if ((await lens.innerText().catch(() => '')).trim() !== title) continue;
        const box = await lens.boundingBox().catch(() => null);
        if (box && box.y < lineBox.y && (!best || box.y > best.y)) best = { lens, y: box.y };
      }
      if (best && lineBox.y - best.y < 40) return best.lens;
    }
    if (Date.now() > deadline) throw new Error(`no "${title}" code lens above "${lineText}"`);
    await page.waitForTimeout(300);
  }
}

// What the inline review shows: text struck through, and text injected after decorations.
function inlineReview(page, scope = '.monaco-editor') {
  return page.evaluate((scope) => {
    const spans = [...document.querySelectorAll(`${scope} .view-lines span`)].filter((s) => s.children.length === 0);
    const struck = spans.filter((s) => getComputedStyle(s).textDecorationLine.includes('line-through')).map((s) => s.textContent);
    const added = spans.map((s) => getComputedStyle(s, '::after').content)
      .concat(spans.map((s) => getComputedStyle(s, '::before').content))
      .filter((c) => c && c !== 'none' && c !== 'normal').map((c) => c.replace(/^"|"$/g, ''));
    return { struck, added };
  }, scope);
}

// Every notification toast on screen, as text.
const toastTexts = (page) => page.locator('.notifications-toasts .notification-toast').allInnerTexts();

async function firstRun(page, ws) {
  await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded' });
  await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Remedy cannot start' }).first();
  await toast.waitFor({ timeout: 120000 });
  await page.locator('[aria-label="Remedy: server stopped"]').first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(4000);     // a respawning client would show more toasts by now
  const texts = await toastTexts(page);
  const ours = texts.filter((t) => /remedy|language client|server initialization|crashed|pending response/i.test(t));
  check(ours.length === 1, `exactly one Remedy toast on first run, got ${JSON.stringify(texts)}`);
  check(/python-without-remedy \(remedy\.python\) has no module named '(lsprotocol|pygls)'/.test(ours[0]), `toast: ${ours[0]}`);
  for (const button of ['Select interpreter', 'Install into it', 'Open log']) {
    check(await toast.locator('.monaco-button', { hasText: button }).count() === 1, `no "${button}" button`);
  }
  await shot(page, 'first-run-toast.png');
  step(`first run: one toast: ${ours[0].split('\n')[0]}`);

  await toast.locator('.monaco-button', { hasText: 'Select interpreter' }).click();
  await typeInterpreter(page, python);
  step('typed a working interpreter into "Select interpreter"');
  await page.locator('[aria-label="Remedy: idle"]').first().waitFor({ timeout: 120000 });
  await openFile(page, TEST_FILE);
  await lensAbove(page, 'Fix this test', FAILING);
  check(userSettings()['remedy.python'] === python, `remedy.python is now ${userSettings()['remedy.python']}`);
  step('the server started with the new interpreter and the lenses are back, no restart command');

  // A server whose start fails (the client is left in startFailed): one toast, and setting
  // remedy.python again restarts it all the same.
  const exits = path.join(RUN_DIR, 'python-server-exits');
  await palette(page, 'Remedy: Select interpreter');
  await typeInterpreter(page, exits);
  const failed = page.locator('.notifications-toasts .notification-toast', { hasText: 'did not start' }).first();
  await failed.waitFor({ timeout: 60000 });
  await page.locator('[aria-label="Remedy: server stopped"]').first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(3000);
  const after = (await toastTexts(page)).filter((t) => /remedy|language client|server initialization|crashed|pending response/i.test(t));
  check(after.length === 1 && after[0].includes(`the server did not start with ${exits}`), `toasts: ${JSON.stringify(after)}`);
  await failed.locator('.monaco-button', { hasText: 'Select interpreter' }).click();
  await typeInterpreter(page, python);
  await page.locator('[aria-label="Remedy: idle"]').first().waitFor({ timeout: 120000 });
  await lensAbove(page, 'Fix this test', FAILING);
  check(userSettings()['remedy.python'] === python, `remedy.python is now ${userSettings()['remedy.python']}`);
  step('a server that failed to start: one toast; setting remedy.python again restarted it');
}

const RUN_DIR = path.join(path.dirname(shotDir), 'run');

function userSettings() {
  return JSON.parse(fs.readFileSync(path.join(RUN_DIR, 'ud', 'User', 'settings.json'), 'utf8'));
}

// "Select interpreter": "Enter interpreter path…", then the path.
async function typeInterpreter(page, exe) {
  const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Enter interpreter path' }).first();
  await pick.waitFor({ timeout: 10000 });
  await pick.click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(exe);
  await page.keyboard.press('Enter');
}

async function waitForProposal(page) {
  const deadline = Date.now() + REPAIR_TIMEOUT;
  for (;;) {
    const r = await inlineReview(page);
    if (r.struck.includes('>') && r.added.includes('>=')) return r;
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Remedy' });
    if (await toast.count()) throw new Error(`the repair reported: ${await toast.first().innerText()}`);
    if (Date.now() > deadline) throw new Error(`no inline proposal: ${JSON.stringify(r)}`);
    await page.waitForTimeout(500);
  }
}

async function waitForNoProposal(page) {
  for (let i = 0; i < 60; i++) {
    const r = await inlineReview(page);
    if (r.struck.length === 0 && !r.added.includes('>=')) return;
    await page.waitForTimeout(250);
  }
  throw new Error(`decorations stayed: ${JSON.stringify(await inlineReview(page))}`);
}

async function fixFailingTest(page, ws) {
  await openWorkspace(page, ws);
  await openFile(page, TEST_FILE);
  const fix = await lensAbove(page, 'Fix this test', FAILING);
  await shot(page, `${path.basename(ws)}-1-test-file.png`);
  await fix.click();
  step('clicked "Fix this test"');
  await page.locator('[aria-label="Remedy: repairing"], [aria-label="Remedy: fix ready"]').first().waitFor({ timeout: 30000 });
  const review = await waitForProposal(page);
  step(`inline proposal shown: struck ${JSON.stringify(review.struck)}, added ${JSON.stringify(review.added)}`);
  await page.locator('.tab.active', { hasText: 'pricing.py' }).waitFor({ timeout: 10000 });
  await page.locator('[aria-label="Remedy: fix ready"]').first().waitFor({ timeout: 30000 });
  await lensAbove(page, 'Accept', BUGGY_LINE);
  await page.waitForTimeout(300);
}

(async () => {
  fs.mkdirSync(shotDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(path.dirname(shotDir), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  const original = fs.readFileSync(path.join(fixture, TARGET), 'utf8');
  try {
    // ---- 0. first run with an interpreter that cannot run the server
    await firstRun(page, wsFirst);

    // ---- 1. accept
    await fixFailingTest(page, wsAccept);
    const errors = ((await page.locator('[id="status.problems"]').first().innerText()) || '').match(/\d+/g) || [];
    check(Number(errors[0]) >= 1, `the failing test should show as a problem before the fix: ${JSON.stringify(errors)}`);
    await shot(page, 'inline-review.png');
    await (await lensAbove(page, 'Accept', BUGGY_LINE)).click();
    step('clicked Accept');
    await page.locator('.view-line', { hasText: 'if quantity >= BULK_THRESHOLD:' }).first().waitFor({ timeout: 30000 });
    await waitForNoProposal(page);
    await page.locator('.monaco-editor .view-line', { hasText: 'BULK_DISCOUNT = 0.1' }).first().click();
    await page.keyboard.press('Control+S');
    await page.locator('.tab.active.dirty').waitFor({ state: 'detached', timeout: 30000 });
    const fixed = fs.readFileSync(path.join(wsAccept, TARGET), 'utf8');
    check(fixed === original.replace('quantity > BULK_THRESHOLD', 'quantity >= BULK_THRESHOLD'), `accepted file:\n${fixed}`);
    const after = pytest(wsAccept);
    check(after.code === 0, `tests should pass after Accept:\n${after.out}`);
    step('file changed on disk and the test passes');
    await page.keyboard.press('Control+Z');
    await page.locator('.view-line', { hasText: BUGGY_LINE }).first().waitFor({ timeout: 30000 });
    await waitForProposal(page);
    const decisions = fs.readFileSync(path.join(wsAccept, '.remedy', 'decisions.jsonl'), 'utf8').trim().split('\n').map(JSON.parse);
    check(decisions.map((d) => `${d.accepted}/${d.undone}`).join(' ') === 'true/false false/true', `decisions: ${JSON.stringify(decisions)}`);
    step('Ctrl+Z: the proposal is shown again, the accept recorded as undone');
    await (await lensAbove(page, 'Accept', BUGGY_LINE)).click();
    await page.locator('.view-line', { hasText: 'if quantity >= BULK_THRESHOLD:' }).first().waitFor({ timeout: 30000 });
    await waitForNoProposal(page);
    await page.keyboard.press('Control+S');
    await page.locator('.tab.active.dirty').waitFor({ state: 'detached', timeout: 30000 });
    step('accepted again and saved');
    // watch is off: the save re-runs the test, and its failing-test diagnostic goes
    const problems = page.locator('[id="status.problems"]').first();
    for (let i = 0; ; i++) {
      const counts = ((await problems.innerText().catch(() => '')) || '').match(/\d+/g) || [];
      if (counts[0] === '0') break;
      check(i < 240, `the failing-test diagnostic stayed after the save: problems ${JSON.stringify(counts)}`);
      await page.waitForTimeout(250);
    }
    step('the failing-test diagnostic went after the save, with watch off');
    await page.locator('[aria-label="Remedy: idle"]').first().waitFor({ timeout: 30000 });
    await palette(page, 'Remedy: Show plan');
    const jobRow = page.locator('.monaco-list-row', { hasText: 'test_bulk_discount_starts_at_threshold' }).first();
    await jobRow.waitFor({ timeout: 10000 });
    await page.waitForTimeout(500);
    await shot(page, 'accept-2-plan-view.png');
    const rows = await page.locator('[id="workbench.view.extension.remedy"] .monaco-list-row, .pane-body .monaco-list-row').allInnerTexts();
    check(rows.some((r) => /candidates ranked/.test(r)) || rows.length >= 3, `plan view rows: ${JSON.stringify(rows)}`);
    step(`plan view shows ${rows.length} rows`);

    // ---- 2. reject
    await fixFailingTest(page, wsReject);
    await shot(page, 'reject-2-inline-review.png');
    await (await lensAbove(page, 'Review in diff editor', BUGGY_LINE)).click();
    const diffTab = page.locator('.tab.active', { hasText: 'Remedy:' });
    await diffTab.waitFor({ timeout: 20000 });
    await page.locator('.monaco-diff-editor .modified .view-line', { hasText: 'if quantity >= BULK_THRESHOLD:' }).first().waitFor({ timeout: 20000 });
    await page.locator('.monaco-diff-editor .original .view-line', { hasText: BUGGY_LINE }).first().waitFor({ timeout: 20000 });
    await page.waitForTimeout(500);
    const inDiff = await inlineReview(page, '.monaco-diff-editor');
    check(inDiff.struck.length === 0 && !inDiff.added.includes('>='), `Remedy decorations in the diff editor: ${JSON.stringify(inDiff)}`);
    const titleAction = (name) => page.locator(`.editor-actions .action-label[aria-label^="${name}"]`).first();
    await titleAction('Accept proposed fix').waitFor({ timeout: 10000 });
    await titleAction('Reject proposed fix').waitFor({ timeout: 10000 });
    await titleAction('Accept proposed fix').hover();
    await page.waitForTimeout(800);
    await shot(page, 'diff-editor-review.png');
    step('"Review in diff editor": the file against the proposal, Accept and Reject in the title bar, no inline decorations');
    await titleAction('Reject proposed fix').click();
    await diffTab.waitFor({ state: 'detached', timeout: 10000 });
    step('clicked Reject in the diff editor\'s title bar: the diff closed');
    await page.locator('.tab', { hasText: 'pricing.py' }).first().click();
    await waitForNoProposal(page);
    await page.locator('[aria-label="Remedy: idle"]').first().waitFor({ timeout: 30000 });
    check(await page.locator('.tab.dirty').count() === 0, 'no editor should be dirty after Reject');
    check(fs.readFileSync(path.join(wsReject, TARGET), 'utf8') === original, 'rejected file must be unchanged');
    const still = pytest(wsReject);
    check(still.code === 1, `the test should still fail after Reject:\n${still.out}`);
    await shot(page, 'reject-4-after.png');
    step('nothing changed and the test still fails');

    // ---- 3. a server prompt (window/showMessageRequest) as a notification
    await openFile(page, TEST_FILE);
    await (await lensAbove(page, 'Fix this test', PASSING)).click();
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'could not reproduce' }).first();
    await toast.waitFor({ timeout: REPAIR_TIMEOUT });
    await page.waitForTimeout(400);
    await shot(page, 'prompt-notification.png');
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).first().click();
    await toast.waitFor({ state: 'detached', timeout: 10000 });
    step('the server prompt appeared as a notification and was answered');

    // ---- 3b. "Fix this test" from the palette outside any test: one clear toast, nothing else
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await palette(page, 'Remedy: Fix this test');
    const refusal = page.locator('.notifications-toasts .notification-toast', { hasText: 'not inside a test' });
    await refusal.first().waitFor({ timeout: 30000 });
    await page.waitForTimeout(1500);          // a second toast would come right after the first
    const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    await shot(page, 'fix-outside-a-test.png');
    check(toasts.length === 1 && !toasts.some((t) => t.includes('failed')),
      `expected one toast, got ${JSON.stringify(toasts)}`);
    await page.keyboard.press('Escape');
    step('"Fix this test" outside a test: one toast');

    // ---- 4. Remedy: Restart Server brings a new server up, lenses and all
    await palette(page, 'Remedy: Restart Server');
    await page.locator('[aria-label="Remedy: idle"]').first().waitFor({ state: 'detached', timeout: 10000 }).catch(() => {});
    await page.locator('[aria-label="Remedy: idle"]').first().waitFor({ timeout: 60000 });
    await lensAbove(page, 'Fix this test', FAILING);
    step('restarted the server');
    console.log(`DRIVE OK in ${stamp()}`);
  } catch (e) {
    await shot(page, 'failure.png').catch(() => {});
    throw e;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
})().catch((e) => { console.error('DRIVE FAILED:', e); process.exit(1); });

-- Headless Neovim, end to end, configured with nothing but the README's setup snippet: no
-- handler, no command, nothing that knows Remedy. The script then does what a user does: opens
-- a test file, runs the "Fix this test" lens above TEST_NAME (vim.lsp.codelens.run), waits for
-- the proposed fix to show (Neovim's own window/showDocument handler opens the file, its own
-- diagnostics show the Information diagnostic), asks for the code actions on those lines
-- (vim.lsp.buf.code_action) and applies "Remedy: apply fix", writes the file, and records what it
-- saw in OUT_JSON. It watches vim.notify, vim.ui.select and inputlist only to record what the user
-- would have been shown or asked. tests/test_lsp_nvim.py checks the record; this script only
-- fails on timeouts and Lua errors.
--
--   nvim --headless --clean -c "luafile tests/nvim/fix_flow.lua"
--
-- Reads SNIPPET (a file with the README's snippet), WS (a fresh copy of tests/fixtures/lsp_ws),
-- TEST_FILE and SOURCE_FILE (relative to WS), TEST_NAME, OUT_JSON and JOB_TIMEOUT_MS.
local JOB_TIMEOUT_MS = tonumber(os.getenv("JOB_TIMEOUT_MS") or "240000")
local APPLY = "Remedy: apply fix"
local out = {
  nvim = string.format("%d.%d.%d", vim.version().major, vim.version().minor, vim.version().patch),
  notices = {}, prompts = {},
}

local function finish(ok)
  out.ok = ok
  out.log_path = vim.lsp.get_log_path()
  local f = assert(io.open(os.getenv("OUT_JSON"), "w"))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd(ok and "qa!" or "cquit! 1")
end

local function wait_for(what, ms, predicate)
  if not vim.wait(ms, predicate, 20) then
    error("timed out waiting for " .. what, 0)
  end
end

-- What the user would have seen or been asked, from any plugin.
vim.notify = function(message, level)
  table.insert(out.notices, {message = message, level = level})
end
vim.ui.select = function(items, opts, on_choice)
  table.insert(out.prompts, opts and opts.prompt or "?")
  on_choice(nil)
end
vim.fn.inputlist = function(lines)
  table.insert(out.prompts, lines[1])
  return 0
end

local function lens_summary(lenses)
  return vim.tbl_map(function(l)
    return {title = l.command.title, command = l.command.command, line = l.range.start.line,
            arguments = l.command.arguments}
  end, lenses)
end

local function proposed(bufnr)
  return vim.tbl_filter(function(d) return d.source == "remedy" end,
    vim.diagnostic.get(bufnr, {severity = vim.diagnostic.severity.INFO}))
end

local status, err = pcall(function()
  local ws = assert(os.getenv("WS"), "WS is not set")
  local test_name = assert(os.getenv("TEST_NAME"), "TEST_NAME is not set")
  local source_path = ws .. "/" .. os.getenv("SOURCE_FILE")

  dofile(assert(os.getenv("SNIPPET"), "SNIPPET is not set"))    -- the user's whole configuration

  vim.cmd.edit(vim.fn.fnameescape(ws .. "/" .. os.getenv("TEST_FILE")))
  local test_buf = vim.api.nvim_get_current_buf()
  wait_for("the server to initialize", 30000, function()
    local c = vim.lsp.get_clients({bufnr = test_buf})[1]
    return c ~= nil and c.initialized and c.server_capabilities ~= nil
  end)
  local client = vim.lsp.get_clients({bufnr = test_buf})[1]
  out.client_name = client.name

  vim.lsp.codelens.refresh({bufnr = test_buf})
  wait_for("code lenses", 10000, function() return #vim.lsp.codelens.get(test_buf) > 0 end)
  local lenses = vim.lsp.codelens.get(test_buf)
  table.sort(lenses, function(a, b) return a.range.start.line < b.range.start.line end)
  out.lenses = lens_summary(lenses)
  local target
  for _, lens in ipairs(lenses) do
    if lens.command.arguments[1].testId:sub(-#test_name - 2) == "::" .. test_name then
      target = lens
    end
  end
  assert(target, "no lens for " .. test_name)
  vim.api.nvim_win_set_cursor(0, {target.range.start.line + 1, 0})
  vim.lsp.codelens.run()

  -- The fix: Neovim opens the file it changes, and shows what it does as a diagnostic.
  wait_for("the proposed fix", JOB_TIMEOUT_MS, function()
    local buf = vim.fn.bufnr(source_path)
    return buf > 0 and #proposed(buf) > 0 and vim.api.nvim_get_current_buf() == buf
  end)
  local source_buf = vim.api.nvim_get_current_buf()
  out.shown = vim.api.nvim_buf_get_name(source_buf)
  out.cursor = vim.api.nvim_win_get_cursor(0)
  local diagnostic = proposed(source_buf)[1]
  out.diagnostic = {line = diagnostic.lnum, end_line = diagnostic.end_lnum, message = diagnostic.message,
                    severity = diagnostic.severity}
  out.attached = #vim.lsp.get_clients({bufnr = source_buf, name = client.name}) == 1
  out.buffer_before = table.concat(vim.api.nvim_buf_get_lines(source_buf, 0, -1, false), "\n") .. "\n"

  vim.lsp.codelens.refresh({bufnr = source_buf})
  wait_for("the fix's lenses", 10000, function() return #vim.lsp.codelens.get(source_buf) > 0 end)
  out.source_lenses = lens_summary(vim.lsp.codelens.get(source_buf))

  -- The code actions on the fix's lines, as the user's code_action key lists them.
  vim.api.nvim_win_set_cursor(0, {diagnostic.lnum + 1, 0})
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = {diagnostics = {}}
  local actions = client:request_sync("textDocument/codeAction", params, 10000, source_buf)
  assert(actions and actions.result, "textDocument/codeAction failed")
  out.actions = vim.tbl_map(function(a) return a.title end, actions.result)

  local tick = vim.api.nvim_buf_get_changedtick(source_buf)
  vim.lsp.buf.code_action({apply = true, filter = function(a) return a.title == APPLY end})
  wait_for("the fix to reach the buffer", 30000, function()
    return vim.api.nvim_buf_get_changedtick(source_buf) > tick
  end)
  out.modified = vim.bo[source_buf].modified
  wait_for("the fix's diagnostic to go", 10000, function() return #proposed(source_buf) == 0 end)

  vim.api.nvim_buf_call(source_buf, function() vim.cmd.write() end)
  out.buffer_after = table.concat(vim.api.nvim_buf_get_lines(source_buf, 0, -1, false), "\n") .. "\n"
end)
if not status then out.error = tostring(err) end
finish(status)

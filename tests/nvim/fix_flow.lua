-- Headless Neovim, end to end: the real client drives `python -m server` over stdio.
--
--   nvim --headless --clean -c "luafile tests/nvim/fix_flow.lua"
--
-- Reads PYTHON, WS (a fresh copy of tests/fixtures/lsp_ws), TEST_FILE and SOURCE_FILE (relative
-- to WS), TEST_NAME and OUT_JSON from the environment. It opens the test file, runs the
-- "Fix this test" lens above TEST_NAME with Neovim's own codelens module, waits for
-- `remedy/proposal`, accepts its first hunk with `remedy.acceptHunk`, lets Neovim's built-in
-- `workspace/applyEdit` handler edit the source buffer, writes it, and records what happened in
-- OUT_JSON. tests/test_lsp_nvim.py checks that record; this script only fails on timeouts and
-- Lua errors.
local JOB_TIMEOUT_MS = tonumber(os.getenv("JOB_TIMEOUT_MS") or "240000")
local out = {
  nvim = string.format("%d.%d.%d", vim.version().major, vim.version().minor, vim.version().patch),
  events = {}, proposals = {}, prompts = {}, messages = {},
}

local function finish(ok)
  out.ok = ok
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

local function lens_summary(lenses)
  return vim.tbl_map(function(l)
    return {title = l.command.title, command = l.command.command, line = l.range.start.line,
            arguments = l.command.arguments}
  end, lenses)
end

local status, err = pcall(function()
  local ws = assert(os.getenv("WS"), "WS is not set")
  local test_name = assert(os.getenv("TEST_NAME"), "TEST_NAME is not set")
  local settings = {remedy = {engine = "builtin", timeBudget = 120}}

  vim.cmd.edit(vim.fn.fnameescape(ws .. "/" .. os.getenv("SOURCE_FILE")))
  local source_buf = vim.api.nvim_get_current_buf()
  vim.cmd.edit(vim.fn.fnameescape(ws .. "/" .. os.getenv("TEST_FILE")))
  local test_buf = vim.api.nvim_get_current_buf()

  local id = vim.lsp.start({
    name = "remedy",
    cmd = {os.getenv("PYTHON"), "-m", "server"},
    root_dir = ws,
    init_options = settings,
    settings = settings,
    handlers = {
      -- Never block on a prompt: record it and dismiss it.
      ["window/showMessageRequest"] = function(_, params)
        table.insert(out.prompts, params.message)
        return vim.NIL
      end,
      ["window/showMessage"] = function(_, params)
        table.insert(out.messages, params.message)
      end,
      ["remedy/event"] = function(_, params)
        table.insert(out.events, {jobId = params.jobId, type = params.type})
      end,
      ["remedy/proposal"] = function(_, params)
        table.insert(out.proposals, params)
      end,
    },
  }, {bufnr = test_buf})
  assert(id, "vim.lsp.start returned no client")
  wait_for("the server to initialize", 20000, function()
    local c = vim.lsp.get_client_by_id(id)
    return c ~= nil and c.initialized and c.server_capabilities ~= nil
  end)
  local client = assert(vim.lsp.get_client_by_id(id))
  assert(vim.lsp.buf_attach_client(source_buf, id), "could not attach the source buffer")

  -- The lenses, through Neovim's codelens module (the path a user's keymap takes).
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
  out.fix_lens = lens_summary({target})[1]
  vim.api.nvim_win_set_cursor(0, {target.range.start.line + 1, 0})
  vim.lsp.codelens.run()

  wait_for("remedy/proposal", JOB_TIMEOUT_MS, function() return #out.proposals > 0 end)
  local proposal = out.proposals[1]
  out.proposal = proposal
  wait_for("the job to finish", 30000, function()
    for _, e in ipairs(out.events) do
      if e.jobId == proposal.jobId and e.type == "JobFinished" then return true end
    end
    return false
  end)

  -- The proposal's lenses now sit above the hunk in the source buffer.
  local source_lenses = client:request_sync("textDocument/codeLens",
    {textDocument = vim.lsp.util.make_text_document_params(source_buf)}, 10000, source_buf)
  assert(source_lenses and source_lenses.result, "codeLens on the source failed")
  out.source_lenses = lens_summary(source_lenses.result)
  out.source_version_before = vim.api.nvim_buf_get_changedtick(source_buf)

  -- Accept: the server answers only after Neovim has applied its workspace/applyEdit.
  local hunk = proposal.hunks[1]
  local accepted = client:request_sync("workspace/executeCommand", {
    command = "remedy.acceptHunk",
    arguments = {{proposalId = proposal.proposalId, hunkId = hunk.id}},
  }, 30000, source_buf)
  assert(accepted, "remedy.acceptHunk timed out")
  out.accept_result = accepted.result
  out.accept_error = accepted.err and vim.inspect(accepted.err)
  out.source_modified = vim.bo[source_buf].modified
  out.source_version_after = vim.api.nvim_buf_get_changedtick(source_buf)

  vim.api.nvim_buf_call(source_buf, function() vim.cmd.write() end)
  out.buffer_after = table.concat(vim.api.nvim_buf_get_lines(source_buf, 0, -1, false), "\n") .. "\n"
  out.source_path = vim.api.nvim_buf_get_name(source_buf)
end)
if not status then out.error = tostring(err) end
finish(status)

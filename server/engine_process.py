"""The engine in a child process: each repair job runs this module's `main` in a fresh interpreter
(`python -c CHILD_MAIN`), which drives the session and streams its events back, so the engine's
CPU work never competes with the language server for the GIL (code lenses stay fast while a job
runs) and an engine crash, hang or leak ends that process, never the server.

Wire format, both ways: frames of a 4-byte big-endian length and a pickle (the child is our own
code, started by us; nothing else writes to these pipes).
    parent -> child   ("start", root, test_ids, config, vault) | ("answer", n, bool) | ("cancel",)
    child -> parent   ("event", Event) | ("approve", n, question)
The child answers on a private duplicate of its stdout and points fd 1 at stderr, so a stray print
in the engine cannot corrupt the stream. The server's environment holds no secrets any more
(agent/secrets.py took them at start-up), so the start frame hands the child the secret vault
explicitly; the child's log lines and error messages are redacted. Its session is killed, with
every process it started, when the job is abandoned after cancellation or the server goes away.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import os
import pickle
import signal
import struct
import sys
import threading
from typing import Any, AsyncIterator, BinaryIO, Callable

from agent import (CancelToken, Cancelled, Done, Error, Event, ProposalReady, adopt_vault,
                   install_log_redaction, redact, redact_data, take_from_environment, vault_items)

__all__ = ["EngineProcess"]

log = logging.getLogger(__name__)

HEADER = struct.Struct(">I")
# Imported, not run as `-m server.engine_process`: the `server` package imports this module
# first, and runpy would then execute a second copy of it (and warn that it does).
CHILD_MAIN = "import server.engine_process as child; child.main()"
Approver = Callable[[str], bool]


class EngineProcess:
    """Runs a job's session in a fresh child process and yields its events on this loop."""

    def __init__(self, cancel_grace_s: float) -> None:
        self.cancel_grace_s = cancel_grace_s

    async def events(self, root, test_ids, config, cancel: CancelToken,
                     approve: Approver) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD_MAIN, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, start_new_session=True, limit=2 ** 26)
        assert proc.stdin is not None and proc.stdout is not None
        send = _Sender(proc.stdin)
        send(("start", root, list(test_ids), config, vault_items()))
        cancelled = asyncio.Event()
        unregister = cancel.on_cancel(lambda: loop.call_soon_threadsafe(cancelled.set))
        answers: set[asyncio.Task[None]] = set()
        ended = False             # the session reported its own end (Done or Error)
        reading = asyncio.ensure_future(_read_frame(proc.stdout))
        cancel_wait = asyncio.ensure_future(cancelled.wait())
        deadline: float | None = None
        try:
            while True:
                timeout = None if deadline is None else max(0.0, deadline - loop.time())
                done, _ = await asyncio.wait({reading, cancel_wait}, timeout=timeout,
                                             return_when=asyncio.FIRST_COMPLETED)
                if not done:
                    yield Error("the engine did not stop after cancellation; stopped it", "cancelled")
                    ended = True
                    return
                if cancel_wait in done and deadline is None:
                    send(("cancel",))
                    deadline = loop.time() + self.cancel_grace_s
                    cancel_wait = asyncio.ensure_future(asyncio.Event().wait())   # never again
                if reading not in done:
                    continue
                frame = reading.result()
                if frame is None:
                    break
                if frame[0] == "event":
                    ended = ended or isinstance(frame[1], (Done, Error))
                    yield frame[1]
                elif frame[0] == "approve":
                    task = loop.create_task(_answer(send, frame[1], frame[2], approve))
                    answers.add(task)
                    task.add_done_callback(answers.discard)
                reading = asyncio.ensure_future(_read_frame(proc.stdout))
            code = await proc.wait()
            if code != 0 and not ended:
                yield Error(f"engine process exited with code {code}")
        finally:
            unregister()
            for task in answers:
                task.cancel()
            reading.cancel()
            cancel_wait.cancel()
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()


class _Sender:
    def __init__(self, stream: asyncio.StreamWriter) -> None:
        self._stream = stream

    def __call__(self, message: tuple) -> None:
        if self._stream.is_closing():
            return
        data = pickle.dumps(message)
        self._stream.write(HEADER.pack(len(data)) + data)


async def _read_frame(stream: asyncio.StreamReader) -> tuple | None:
    try:
        header = await stream.readexactly(HEADER.size)
        return pickle.loads(await stream.readexactly(HEADER.unpack(header)[0]))
    except asyncio.IncompleteReadError:
        return None


async def _answer(send: _Sender, n: int, question: str, approve: Approver) -> None:
    """The server's approver blocks until the user answers: ask from a worker thread."""
    try:
        allowed = await asyncio.to_thread(approve, question)
    except Exception:
        log.exception("approval failed; denying")
        allowed = False
    send(("answer", n, bool(allowed)))


# -- the child ------------------------------------------------------------------------------------
class _Child:
    def __init__(self, inp: int, out: BinaryIO) -> None:
        self._in, self._out = inp, out
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._waiting: dict[int, list[Any]] = {}    # n -> [threading.Event, answer]
        self.cancel = CancelToken()

    def send(self, message: tuple) -> None:
        data = pickle.dumps(message)
        with self._lock:
            self._out.write(HEADER.pack(len(data)) + data)
            self._out.flush()

    def read(self) -> tuple | None:
        header = self._read_exactly(HEADER.size)
        if header is None:
            return None
        body = self._read_exactly(HEADER.unpack(header)[0])
        return None if body is None else pickle.loads(body)

    def _read_exactly(self, n: int) -> bytes | None:
        """`n` bytes from the raw pipe; None at its end. Unbuffered on purpose: the listening
        thread is still blocked here when the process ends, and a buffered reader's lock held
        at shutdown aborts the interpreter ("Fatal Python error: _enter_buffered_busy")."""
        chunks, missing = [], n
        while missing:
            chunk = os.read(self._in, missing)
            if not chunk:
                return None
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def approve(self, question: str) -> bool:
        n, event = next(self._ids), threading.Event()
        slot: list[Any] = [event, False]
        self._waiting[n] = slot
        self.send(("approve", n, question))
        event.wait()
        return bool(slot[1])

    def listen(self) -> None:
        """Answers and cancellation from the server; its going away cancels the session."""
        while (message := self.read()) is not None:
            if message[0] == "answer" and message[1] in self._waiting:
                slot = self._waiting.pop(message[1])
                slot[1] = message[2]
                slot[0].set()
            elif message[0] == "cancel":
                self.cancel.cancel()
        self.cancel.cancel()
        for slot in self._waiting.values():
            slot[0].set()

    def run(self) -> None:
        from .jobs import engine_session

        start = self.read()
        if start is None or start[0] != "start":
            return
        _, root, test_ids, config, *vault = start
        adopt_vault(vault[0] if vault else {})
        threading.Thread(target=self.listen, name="remedy-listen", daemon=True).start()

        async def drive() -> None:
            async for event in engine_session(root, test_ids, config, self.cancel, self.approve):
                self.send(("event", _redacted(event)))
        try:
            asyncio.run(drive())
        except Cancelled:
            self.send(("event", Error("repair cancelled", "cancelled")))
        except BaseException as exc:  # the engine failed: end this job with an Error event
            log.exception("engine failed")
            self.send(("event", Error(redact(f"engine failed: {type(exc).__name__}: {exc}".strip()))))


def _redacted(event: Event) -> Event:
    """The event with secrets redacted from its text; a proposal's code is sent as it is."""
    if isinstance(event, ProposalReady):
        return ProposalReady(dataclasses.replace(event.proposal, summary=redact(event.proposal.summary)))
    if isinstance(event, Done):
        return Done(dataclasses.replace(event.result, message=redact(event.result.message)))
    return dataclasses.replace(event, **{f.name: redact_data(getattr(event, f.name))
                                         for f in dataclasses.fields(event)})


def main() -> None:
    take_from_environment()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="%(asctime)s remedy-engine %(levelname)s %(message)s")
    install_log_redaction()
    _Child(sys.stdin.fileno(), out).run()
    out.flush()
    logging.shutdown()
    sys.stderr.flush()
    # The session is over and everything is said; the listening thread (and any the engine left)
    # must not run into interpreter finalization.
    os._exit(0)

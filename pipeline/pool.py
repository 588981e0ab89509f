"""Worker processes with a per-file budget: a file over it fails, the run goes on.

Each worker handles one file at a time, and holds the next one (`FILES_HELD`) so
that it starts it as soon as it has sent a result, not once the parent has read
that result and answered. A worker past the time budget is killed and replaced,
its file recorded as failed with the reason and the file it held given to the
replacement; the memory budget
is an address-space limit set in the worker (`RLIMIT_AS`, on top of what the
worker holds when it starts), so an allocation beyond it fails in that worker
only. A worker that dies (the kernel's OOM killer, a crash in a C extension)
costs only its file too.

Results come back in input order, which keeps the tables byte-identical whatever
the number of workers; the other workers keep going while one file is slow, up
to `AHEAD_PER_WORKER` files ahead of it, so a slow file holds back the writing
of the rest by at most the time budget.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Callable, Iterator, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

DEFAULT_SECONDS_PER_FILE = 300.0
DEFAULT_MEMORY_MB_PER_FILE = 4096
AHEAD_PER_WORKER = 8
# Files given to a worker at a time: the one it works on and the next.
FILES_HELD = 2


@dataclass(frozen=True)
class Budget:
    """Per-file limits; 0 means no limit."""

    seconds: float = DEFAULT_SECONDS_PER_FILE
    memory_mb: int = DEFAULT_MEMORY_MB_PER_FILE


# Reasons start with this, so that the next run tries such a file again (perhaps with a larger budget).
OVER_BUDGET = "over the per-file budget"
_worker_memory_mb = 0  # this process's memory budget, when it is a worker


def memory_exhausted_reason() -> str:
    if _worker_memory_mb:
        return f"{OVER_BUDGET}: needs more than {_worker_memory_mb} MB of memory (--file-memory)"
    return "out of memory"


def _worker_main(connection: Connection, work: Callable, memory_mb: int, close_fds: tuple[int, ...],
                 initializer: Callable[[], None] | None) -> None:
    # The parent's ends of the workers' pipes (so that a dead parent reads as end of input here)
    # and its locks (they must die with the parent, not with this worker).
    for fd in close_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    global _worker_memory_mb
    if memory_mb:
        _limit_address_space(memory_mb)
        _worker_memory_mb = memory_mb
    if initializer is not None:
        initializer()
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        connection.send(work(job))


def _limit_address_space(memory_mb: int) -> None:
    with open("/proc/self/statm") as fh:
        mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + memory_mb * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class _Worker:
    def __init__(self, context, work: Callable, budget: Budget, close_fds: tuple[int, ...],
                 siblings: list["_Worker"], initializer: Callable[[], None] | None):
        self.connection, child = context.Pipe()
        parent_ends = tuple(w.connection.fileno() for w in siblings if w.process.is_alive()) \
            + (self.connection.fileno(),)
        self.process = context.Process(target=_worker_main,
                                       args=(child, work, budget.memory_mb, close_fds + parent_ends, initializer),
                                       daemon=True)
        self.process.start()
        child.close()
        self.held: deque[int] = deque()  # the indices of the files given, the first being worked on
        self.started = 0.0  # when the first began

    def give(self, index: int, job) -> None:
        if not self.held:
            self.started = time.monotonic()
        self.held.append(index)
        self.connection.send(job)

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


def budgeted_map(work: Callable[[Job], Result], jobs: list[Job], workers: int, budget: Budget,
                 on_failure: Callable[[Job, str], Result], close_fds: tuple[int, ...] = (),
                 initializer: Callable[[], None] | None = None) -> Iterator[Result]:
    """`work` over `jobs` in `workers` processes, results in input order; a job over its
    budget or whose worker dies yields `on_failure(job, reason)` instead. Each worker calls
    `initializer` once before its first job."""
    if not jobs:
        return
    context = multiprocessing.get_context("fork")
    pool: list[_Worker] = []
    for _ in range(max(1, min(workers, len(jobs)))):
        pool.append(_Worker(context, work, budget, close_fds, pool, initializer))
    done: dict[int, Result] = {}
    next_job = next_result = 0
    try:
        while next_result < len(jobs):
            for worker in pool:
                while len(worker.held) < FILES_HELD and next_job < len(jobs) \
                        and next_job < next_result + AHEAD_PER_WORKER * len(pool):
                    worker.give(next_job, jobs[next_job])
                    next_job += 1
            while next_result in done:
                yield done.pop(next_result)
                next_result += 1
            busy = [worker for worker in pool if worker.held]
            if not busy:
                continue
            timeout = None
            if budget.seconds:
                timeout = max(0.0, min(w.started for w in busy) + budget.seconds - time.monotonic())
            ready = wait([worker.connection for worker in busy], timeout)
            for position, worker in enumerate(pool):
                if not worker.held:
                    continue
                if worker.connection in ready:
                    try:
                        done[worker.held[0]] = worker.connection.recv()
                        worker.held.popleft()
                        worker.started = time.monotonic()  # the file it held has just begun
                        continue
                    except (EOFError, OSError):
                        reason = _death_reason(worker, budget)
                elif budget.seconds and time.monotonic() - worker.started >= budget.seconds:
                    reason = f"{OVER_BUDGET}: not done after {budget.seconds:g} s (--file-timeout)"
                else:
                    continue
                failed = worker.held.popleft()
                done[failed] = on_failure(jobs[failed], reason)
                worker.stop()
                replacement = _Worker(context, work, budget, close_fds, [w for w in pool if w is not worker],
                                      initializer)
                for index in worker.held:  # files it had not begun
                    replacement.give(index, jobs[index])
                pool[position] = replacement
            # the results are handed on at the top of the loop, once the idle workers have their
            # next file: the caller may take a while over one (writing a row group)
    finally:
        for worker in pool:
            worker.stop()


def _death_reason(worker: _Worker, budget: Budget) -> str:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    memory = f" (memory budget {budget.memory_mb} MB, --file-memory)" if budget.memory_mb else ""
    return f"{OVER_BUDGET}: the worker processing it died, exit code {code}{memory}"

"""Run the per-document stages on a Dask cluster (dask.distributed).

Only the per-file work (read, normalise, segment, extract) goes to the cluster;
results come back in input order and are written by the same writer as a local
run, so both engines produce the same tables byte for byte. Workers must see
INPUT_DIR at the same path (a shared or replicated file system) and have
policymine installed; each builds its own tokenizer and lexicons once.

The local cluster started without --scheduler listens on 127.0.0.1 only and
serves no dashboard. A cluster without workers is an error after
`worker_timeout` seconds, and so is one that loses all its workers mid-run; a
file not done within the time budget is recorded as failed (the cluster cannot
stop its task, but the run goes on).
"""
from __future__ import annotations

from collections import deque
from typing import Iterator

from pipeline.pool import OVER_BUDGET, Budget
from pipeline.errors import EngineUnavailable
from pipeline.run import Engine, FileResult, Job, failed_result, process_file

# Results the cluster may hold ahead of the writer, per worker thread: enough to
# keep workers busy, few enough that memory stays flat on a large corpus.
IN_FLIGHT_PER_THREAD = 4
POLL_SECONDS = 5.0


def dask_engine(scheduler: str | None, budget: Budget = Budget(), worker_timeout: float = 60.0) -> Engine:
    """An engine on the cluster at `scheduler` (e.g. tcp://10.0.0.5:8786), or a local cluster."""
    def run(jobs: list[Job]) -> Iterator[FileResult]:
        from dask.distributed import Client, LocalCluster

        cluster = None if scheduler else LocalCluster(processes=True, threads_per_worker=1, host="127.0.0.1",
                                                      dashboard_address=None)
        try:
            client = Client(scheduler or cluster, timeout=worker_timeout or None)
        except OSError as exc:
            if cluster is not None:
                cluster.close()
            raise EngineUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        try:
            _wait_for_workers(client, worker_timeout)
            threads = max(1, sum(client.nthreads().values()))
            window = IN_FLIGHT_PER_THREAD * threads
            pending: deque = deque()
            queue = iter(jobs)
            for job in queue:
                pending.append((job, client.submit(process_file, *job, pure=False)))
                if len(pending) >= window:
                    break
            while pending:
                job, future = pending.popleft()
                yield _result(client, job, future, budget, worker_timeout)
                following = next(queue, None)
                if following is not None:
                    pending.append((following, client.submit(process_file, *following, pure=False)))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return run


def _wait_for_workers(client, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout or None)
    except TimeoutError as exc:
        raise EngineUnavailable(f"the Dask cluster has no workers (waited {timeout:g} s, --dask-timeout)") from exc


def _result(client, job: Job, future, budget: Budget, worker_timeout: float) -> FileResult:
    """The job's result; a failure row when it is over the time budget. Waits in steps, so that
    a cluster whose workers are all gone is noticed rather than waited on for ever."""
    from dask.distributed import TimeoutError as DaskTimeout

    waited = 0.0
    while True:
        step = POLL_SECONDS if not budget.seconds else min(POLL_SECONDS, max(budget.seconds - waited, 0.01))
        try:
            return future.result(timeout=step)
        except (TimeoutError, DaskTimeout):
            waited += step
        if budget.seconds and waited >= budget.seconds:
            future.cancel()
            return failed_result(job, f"{OVER_BUDGET}: not done after {budget.seconds:g} s (--file-timeout)")
        if not client.scheduler_info().get("workers"):
            _wait_for_workers(client, worker_timeout)

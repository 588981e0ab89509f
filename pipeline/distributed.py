"""Run the per-document stages on a Dask cluster (dask.distributed).

Only the per-file work (read, normalise, segment, extract) goes to the cluster;
results come back in input order and are written by the same writer as a local
run, so both engines produce the same tables byte for byte. Workers must see
INPUT_DIR at the same path (a shared or replicated file system) and have
policymine installed; each builds its own tokenizer and lexicons once.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Iterator

from pipeline.run import Engine, FileResult, process_file

# Results the cluster may hold ahead of the writer, per worker thread: enough to
# keep workers busy, few enough that memory stays flat on a large corpus.
IN_FLIGHT_PER_THREAD = 4


def dask_engine(scheduler: str | None) -> Engine:
    """An engine on the cluster at `scheduler` (e.g. tcp://10.0.0.5:8786), or a local cluster."""
    def run(jobs: list[tuple[Path, Path]]) -> Iterator[FileResult]:
        from dask.distributed import Client, LocalCluster

        cluster = None if scheduler else LocalCluster(processes=True, threads_per_worker=1)
        client = Client(scheduler or cluster)
        try:
            threads = max(1, sum(client.nthreads().values()))
            window = IN_FLIGHT_PER_THREAD * threads
            pending: deque = deque()
            queue = iter(jobs)
            for path, root in queue:
                pending.append(client.submit(process_file, path, root, pure=False))
                if len(pending) >= window:
                    break
            while pending:
                result = pending.popleft().result()
                job = next(queue, None)
                if job is not None:
                    pending.append(client.submit(process_file, *job, pure=False))
                yield result
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return run

"""What a worker hands the run (Arrow IPC record batches, a near-duplicate signature), and the
derived tables written batch by batch."""
from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from fractions import Fraction
from math import comb
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import duplicates, panel, readers, run
from pipeline.process import process_document
from pipeline.schema import DOCUMENT_TABLES, document_columns

REPORT = """某市民政局2023年工作总结
一、养老服务
全年新增养老机构床位3182张，建成社区养老服务中心十二个。
改造提升街道综合养老服务中心，开展居家适老化改造工作。
二、社会救助
发放城乡低保资金1907万元，保障困难群众基本生活。
实施临时救助六百余人次，落实特困人员供养政策。
三、社会事务
完成婚姻登记四千余对，推进殡葬改革和惠民殡葬政策。
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_batches_a_worker_sends_hold_the_documents_rows(tmp_path):
    path = write(tmp_path, "report.txt", REPORT)
    result = pickle.loads(pickle.dumps(run.process_file(path, tmp_path)))  # as through the pipe
    expected = document_columns(process_document(readers.read_file(path, tmp_path)))
    batches = result.batches()
    assert set(batches) == set(DOCUMENT_TABLES)
    for name, schema in DOCUMENT_TABLES.items():
        assert batches[name].equals(pa.RecordBatch.from_pydict(expected[name], schema=schema)), name
    assert batches["sentences"].num_rows > 5 and batches["indicators"].num_rows >= 2


def test_a_worker_builds_its_tables_without_importing_pandas(tmp_path):
    path = write(tmp_path, "report.txt", REPORT)
    script = f"""
import sys
from pathlib import Path
from pipeline import run
from pipeline.schema import convert_without_pandas

convert_without_pandas()
result = run.process_file(Path({str(path)!r}), Path({str(tmp_path)!r}))
assert result.manifest["status"] == "ok", result.manifest
assert "pandas" not in sys.modules
frame = result.batches()["indicators"].to_pandas()  # pandas is still there when asked for
assert len(frame) >= 2 and "pandas" in sys.modules
"""
    subprocess.run([sys.executable, "-c", script], check=True)


def test_an_unread_file_sends_no_tables(tmp_path):
    path = write(tmp_path, "notes.txt", "hello world, nothing Chinese here at all")
    result = run.process_file(path, tmp_path)
    assert result.manifest["status"] == "failed"
    assert result.tables is None and result.signature is None


def test_signatures_from_workers_find_a_lightly_edited_copy():
    report = [f"第{i}项工作全面推进，惠及困难群众{i * 37}人次，资金足额发放到位。" for i in range(20)]
    mirror = report[:-1]  # a mirror that lost its last sentence: Jaccard 19/20
    other = [f"第{i}项不相干的工作内容在这里说明清楚，数量为{i * 7}个。" for i in range(20)]
    index = duplicates.NearDuplicateIndex()
    first = pickle.loads(pickle.dumps(duplicates.signature(report)))  # as through the pipe
    assert index.original_of("a", first) is None
    assert index.original_of("b", duplicates.signature(other)) is None
    assert index.original_of("c", duplicates.signature(mirror)) == "a"
    assert index.original_of("d", duplicates.signature(report[:3])) is None  # too few sentences to compare
    assert (duplicates.signature(report) == first).all()


def test_the_index_finds_an_original_behind_one_met_in_another_band():
    """A and B share band 1 but are not duplicates; C shares band 0 with B only and band 1 with
    both, and duplicates A: A comes after B in band 1's rows, and must not be missed because B
    was already found in band 0."""
    rows = duplicates.ROWS
    a = np.random.RandomState(3).randint(0, 2**32, duplicates.NUM_PERM, dtype=np.uint64).astype(np.uint32)
    b, c = a.copy(), a.copy()
    b[[0, *range(2 * rows, 2 * rows + 6), *range(3 * rows, 3 * rows + 4), *range(4 * rows, 4 * rows + 2)]] += 1
    c[[0, 2 * rows + 6, 3 * rows + 4, 4 * rows + 2]] += 1
    assert duplicates.jaccard(a, b) < duplicates.THRESHOLD <= duplicates.jaccard(a, c)
    index = duplicates.NearDuplicateIndex()
    assert index.original_of("A", a) is None and index.original_of("B", b) is None
    assert index.original_of("C", c) == "A"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.lists(st.integers(0, duplicates.NUM_PERM - 1), max_size=20)),
                min_size=1, max_size=30))
def test_the_index_finds_what_comparing_every_band_finds(reports):
    """Reports made from six bases with some values changed: the index answers as a search that
    compares each earlier original's bands value by value and takes the earliest that agrees."""
    bases = np.random.RandomState(7).randint(0, 2**32, (6, duplicates.NUM_PERM), dtype=np.uint64).astype(np.uint32)
    index, originals = duplicates.NearDuplicateIndex(capacity=1), []  # it grows as it goes
    for n, (base, changed) in enumerate(reports):
        signature = bases[base].copy()
        signature[changed] += np.uint32(1)
        expected = next((doc_id for doc_id, earlier in originals
                         if any((earlier[b * duplicates.ROWS:(b + 1) * duplicates.ROWS]
                                 == signature[b * duplicates.ROWS:(b + 1) * duplicates.ROWS]).all()
                                for b in range(duplicates.BANDS))
                         and duplicates.jaccard(earlier, signature) >= duplicates.THRESHOLD), None)
        assert index.original_of(f"doc{n}", signature) == expected
        if expected is None:
            originals.append((f"doc{n}", signature))


def test_the_minhash_is_datasketchs():
    # values that datasketch 2.0 (MinHash(num_perm=64, seed=1), its default scheme) gave for these keys
    signature = duplicates.minhash([b"a", "sentence one".encode(), "养老服务".encode()])
    assert signature.tolist()[:8] == [396437738, 285694074, 886618296, 1246416202,
                                      3493657453, 466995341, 120439926, 1526915304]
    assert duplicates.minhash([b"policymine"]).tolist()[-4:] == [2718120031, 286681895, 2426486189, 1895813710]


def test_sentences_are_stripped_of_spaces_and_punctuation_in_one_pass():
    every_character = "".join(map(chr, range(0x110000)))
    assert duplicates.PUNCTUATION_BUT_LINE_ENDS.findall(every_character) == [
        c for c in duplicates.PUNCTUATION.findall(every_character) if c != "\n"]
    sentences = [f"第{i}项工作：全面推进（惠及　{i * 37} 人次）, 资金“足额”发放。" for i in range(8)]
    keys = {duplicates.PUNCTUATION.sub("", s).encode("utf-8") for s in sentences}
    assert (duplicates.signature(sentences) == duplicates.minhash(keys)).all()
    # a sentence with a line end in it (not from the segmenter) is still one key
    broken = [*sentences[:-1], sentences[-1].replace("资金", "资\n金")]
    assert (duplicates.signature(broken) == duplicates.signature(sentences)).all()


def test_the_banding_minimises_the_chance_of_a_wrong_answer():
    """BANDS x ROWS is the banding with the least sum of the probabilities that a pair below the
    threshold becomes a candidate and that a pair above it does not (integrated exactly)."""
    threshold = Fraction(duplicates.THRESHOLD).limit_denominator(1000)

    def missed_up_to(x: Fraction, bands: int, rows: int) -> Fraction:
        # the integral from 0 to x of (1 - s^rows)^bands ds, term by term
        return sum(comb(bands, k) * (-1) ** k * x ** (rows * k + 1) / (rows * k + 1) for k in range(bands + 1))

    def error(bands: int, rows: int) -> Fraction:
        false_positive = threshold - missed_up_to(threshold, bands, rows)
        false_negative = missed_up_to(Fraction(1), bands, rows) - missed_up_to(threshold, bands, rows)
        return false_positive + false_negative

    choices = [(bands, rows) for bands in range(1, duplicates.NUM_PERM + 1)
               for rows in range(1, duplicates.NUM_PERM // bands + 1)]
    assert min(choices, key=lambda choice: error(*choice)) == (duplicates.BANDS, duplicates.ROWS)


def test_the_workers_end_before_the_derived_tables_are_built(tmp_path, monkeypatch):
    corpus = tmp_path / "in"
    corpus.mkdir()
    write(corpus, "a.txt", REPORT)
    write(corpus, "b.txt", REPORT.replace("2023", "2022").replace("3182", "2950"))
    engine_open = []

    def engine(jobs):
        engine_open.append(True)
        try:
            yield from run.local_engine(1)(jobs)
        finally:
            engine_open[0] = False

    built = panel.build_derived_tables

    def build(directory):
        assert engine_open == [False], "the worker pool is still open"
        return built(directory)

    monkeypatch.setattr(panel, "build_derived_tables", build)
    summary = run.run_extract(corpus, tmp_path / "out", engine=engine)
    assert summary.ok == 2 and engine_open == [False]


def test_theme_shares_written_in_small_batches_equal_one_batch(extracted, tmp_path, monkeypatch):
    for name in ("documents", "sections", "sentences", "indicators"):
        shutil.copy(extracted / f"{name}.parquet", tmp_path / f"{name}.parquet")
    monkeypatch.setattr(panel, "BATCH_ROWS", 3)
    counts = panel.build_derived_tables(tmp_path)
    for name in ("theme_shares_document", "theme_shares_region"):
        small = pq.read_table(tmp_path / f"{name}.parquet")
        whole = pq.read_table(extracted / f"{name}.parquet")
        assert counts[name] == small.num_rows > 3, name
        assert small.replace_schema_metadata(None).equals(whole.replace_schema_metadata(None)), name

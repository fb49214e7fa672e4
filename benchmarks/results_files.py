"""Paths, JSON files and machine facts shared by the benchmark scripts.

``papers.py`` and ``timings.py`` write JSON files here; ``results_page.py``
renders the results page of the book (``book/results.md``) from them.
"""

import datetime
import json
import math
import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
PAPERS_JSON = BENCHMARKS / "papers.json"
TIMINGS_JSON = BENCHMARKS / "timings.json"
RESULTS_PAGE = ROOT / "book" / "results.md"
COMMITTED_FILES = (PAPERS_JSON, TIMINGS_JSON, RESULTS_PAGE)


def now():
    """The current UTC time, to the second, in ISO format."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def cpu_model():
    """The processor's name from /proc/cpuinfo, or what ``platform`` knows elsewhere."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine_info(gpu_count):
    """What the page says about the machine the numbers come from.

    Args:
        gpu_count: number of GPUs the training framework sees.

    Returns:
        dict: CPU cores, CPU model, GPU count, operating system and Python version.
    """
    return {
        "cpu_cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "gpus": int(gpu_count),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def read_json(path):
    """The content of a JSON file, or None if there is no such file."""
    path = Path(path)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path, data):
    """Write ``data`` as indented JSON (no NaN or infinity: they are not JSON)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def is_committed_file(path):
    """Tell whether ``path`` is one of the committed results files."""
    resolved = Path(path).resolve()
    return any(resolved == committed.resolve() for committed in COMMITTED_FILES)


def format_duration(seconds):
    """Seconds as ``"42 s"``, ``"6 min 05 s"`` or ``"1 h 02 min"``."""
    if seconds is None or not math.isfinite(seconds):
        raise ValueError(f"seconds must be a finite number. Received: seconds={seconds!r}")
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"

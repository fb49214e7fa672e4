"""What the benchmark scripts share: the paths of their results, real MNIST, the seed, the quick check's guard,
the chapters by their ids and the repository's commit.

Light on purpose: ``companion`` (and with it Keras) is imported only by the
function that loads MNIST, so that ``timings.py``, ``colab_check.py`` and the
results page can use the rest without a deep learning framework.
"""

import subprocess
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPERS_JSON = ROOT / "benchmarks" / "papers.json"
TIMINGS_JSON = ROOT / "benchmarks" / "timings.json"
COLAB_CHECK_JSON = ROOT / "benchmarks" / "colab_check.json"
DEEP_AUTOENCODER_JSON = ROOT / "benchmarks" / "deep_autoencoder.json"

SEED = 42  # of every model, noise and shift drawn by the benchmarks
QUICK_SIZES = (512, 256)  # training and test images of the quick checks
ALL = "all"  # the chapter id that stands for every chapter


def load_real_mnist(n_train=None, n_test=None):
    """MNIST as flat vectors in [0, 1], ``(x_train, y_train), (x_test, y_test)``; real digits or an error.

    Numbers compared with papers must not come from the fallback digits that
    ``companion.load_mnist`` uses when it finds no MNIST file.

    Raises:
        companion.FallbackDataWarning: as an error, if there is no real MNIST.
    """
    import companion as cp  # before Keras: keeps TensorFlow's native logs quiet

    with warnings.catch_warnings():
        warnings.simplefilter("error", cp.FallbackDataWarning)
        return cp.load_mnist(n_train, n_test, flatten=True)


def seed_everything(seed=SEED):
    """Seed Python, NumPy and Keras with ``seed`` (TensorFlow's ops deterministic), before a model is built."""
    import companion as cp

    return cp.seed_everything(seed)


def parse_with_quick_check(parser, argv, committed, what):
    """Add ``--quick`` and ``--output`` to ``parser`` and parse ``argv``; ``args.output`` is the file to write.

    ``args.output`` is ``--output``, else the ``committed`` results, which the
    quick check may not overwrite: ``--quick`` without an ``--output``, or with
    ``committed``, exits through ``parser.error``.

    Args:
        parser: an ``argparse.ArgumentParser`` with the script's own options.
        argv: the arguments (None: the command line's).
        committed: the committed results of the script.
        what: what the file holds, for ``--help``.
    """
    parser.add_argument("--quick", action="store_true",
                        help="tiny subsets and one epoch, to check that everything runs (needs --output)")
    parser.add_argument("--output", type=Path, help=f"{what} (default {committed})")
    args = parser.parse_args(argv)
    if args.quick and (args.output is None or args.output.resolve() == committed.resolve()):
        parser.error(f"--quick needs an --output other than {committed}: the committed results may not be "
                     f"overwritten by the quick check. Received: --output {args.output}")
    args.output = args.output or committed
    return args


def chapter_id(path):
    """A notebook's chapter id, its name before the first underscore: ``09b`` for ``09b_vae_measured.ipynb``."""
    return Path(path).name.split("_", 1)[0]


def select_chapters(folder, ids):
    """The notebooks of ``folder`` whose chapter ids are ``ids``, each once, in the order of ``ids``.

    An id matches exactly (``09`` is not ``09b``); ``"all"`` stands for every notebook, in order.

    Raises:
        ValueError: for an id that no notebook of ``folder`` has; it lists the valid ones.
    """
    by_id = {chapter_id(path): path for path in sorted(Path(folder).glob("*.ipynb"))}
    unknown = [chapter for chapter in ids if chapter != ALL and chapter not in by_id]
    if unknown:
        raise ValueError(f"no notebook in {folder} has the chapter id {', '.join(map(repr, unknown))}; the valid "
                         f"ids are {' '.join(by_id)} (or {ALL}). Received: {' '.join(ids)}")
    chosen = list(by_id) if ALL in ids else ids
    return [by_id[chapter] for chapter in dict.fromkeys(chosen)]


def head_commit():
    """The short hash of this repository's last commit."""
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()

"""Export scikit-learn's bundled wine, breast_cancer and diabetes sets as CSV tables, as people have data.

    python examples/real_data/export_sklearn.py examples/real_data/data

Each table has an ``id`` column, the feature columns under their scikit-learn names, and the target:
``cultivar`` (wine: text, 3 classes), ``diagnosis`` (breast_cancer: text, ``benign``/``malignant``)
and ``progression`` (diabetes: a number). Needs scikit-learn and pandas (``pip install scikit-learn pandas``).
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGETS = {"wine": "cultivar", "breast_cancer": "diagnosis", "diabetes": "progression"}


def export(folder: Path) -> list[Path]:
    """Write ``<name>.csv`` for each set into ``folder`` (created if needed); return the paths."""
    from sklearn import datasets

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, target in TARGETS.items():
        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        table = bunch.frame.drop(columns="target")
        values = bunch.frame["target"]
        # classification sets ship integer codes; people's files carry the class names
        table[target] = bunch.target_names[values] if name != "diabetes" else values
        table.insert(0, "id", range(len(table)))
        path = folder / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    for path in export(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

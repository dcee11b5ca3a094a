"""Accuracy of reading real summaries: figures, metric, outlet level, change vs level, approximate values, slots.

    .venv/bin/python bench/bench_extract_eval.py [--errors] [--part heldout3] [--code DIR]

Scores extract() and find_slots() on the parts in taizhang/reports/eval/ (dev.json, looked at while building;
heldout.json and heldout2.json, looked at since and now development data too; heldout3.json, annotated before the
last round of rules and run once at its end); see taizhang/reports/eval/README.md for how the set was built and
labelled. --errors lists every disagreement with the annotation. --code DIR scores the taizhang package found in DIR
(an older commit exported with `git archive <commit> taizhang | tar -x -C DIR`) with the current annotations and
scorer, for a before/after table in one run."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT / "taizhang" / "reports" / "eval" / "score.py"
PARTS = ("dev", "heldout", "heldout2", "heldout3")


def load_scorer(code: Path | None) -> ModuleType:
    """The current score.py, importing extract() and find_slots() from `code` (else from this tree)."""
    sys.path.insert(0, str(code or ROOT))
    spec = importlib.util.spec_from_file_location("taizhang_eval_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="list every disagreement")
    parser.add_argument("--part", choices=PARTS, action="append", help="only this part (repeatable)")
    parser.add_argument("--code", type=Path, help="folder holding an older taizhang package to score instead")
    args = parser.parse_args()
    if args.code is not None and not (args.code / "taizhang" / "reports" / "extract.py").is_file():
        parser.error(f"{args.code} holds no taizhang/reports/extract.py")
    scorer = load_scorer(args.code)
    results = {part: scorer.score(part) for part in args.part or scorer.PARTS}
    print(f"code: {sys.modules['taizhang.reports.extract'].__file__}")
    names = list(next(iter(results.values())).summary())
    width = max(len(n) for n in names)
    print(f"{'':{width}}  " + "  ".join(f"{p:>10}" for p in results))
    for name in names:
        print(f"{name:{width}}  " + "  ".join(f"{r.summary()[name]!s:>10}" for r in results.values()))
    if args.errors:
        for part, counts in results.items():
            print(f"\n{part}:")
            for line in counts.errors:
                print("  " + line)


if __name__ == "__main__":
    main()

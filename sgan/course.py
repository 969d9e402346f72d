"""The main job of the course: ``make course`` (``python -m sgan.course``).

Runs the course headless, in order, and prints where everything went. Until the notebooks land it renders the
synthetic faces preview: one row per factor of variation, varied alone.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sgan.config import PROFILES


def run_course(profile: str = "cpu", out_dir: str | Path = "runs/course") -> Path:
    """Run the course at ``profile`` and write its outputs under ``out_dir``; returns ``out_dir``."""
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    from sgan.data.preview import save_preview

    start = time.perf_counter()
    path = save_preview(out / "preview.png")
    print(f"sgan course ({profile}): synthetic faces preview written to {path} "
          f"in {time.perf_counter() - start:.1f} s")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sgan.course", description=__doc__)
    parser.add_argument("--profile", default=os.environ.get("SGAN_PROFILE", "cpu"), choices=sorted(PROFILES))
    parser.add_argument("--out", default="runs/course")
    args = parser.parse_args(argv)
    run_course(args.profile, args.out)


if __name__ == "__main__":
    main()

"""`nnviz data`: list the data sets that can be downloaded, and download one on request.

`nnviz data download mnist` fetches full MNIST into the user's data folder (progress on stderr,
resumes a download that broke off, checks every file's SHA-256); designs then use it with
`"source": "full"`. A failed download prints one line and exits 1; nothing half-written is used.
"""

from __future__ import annotations

import argparse
import sys
import time

from nnviz.core.downloads import (
    REMOTE_SETS,
    DownloadError,
    dataset_folder,
    download,
    is_downloaded,
)

PROGRESS_S = 0.5  # seconds between progress lines


def data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("list", "download"), help="what to do")
    p.add_argument("name", nargs="?", choices=list(REMOTE_SETS), help="the data set to download")


def cmd_data(args: argparse.Namespace) -> int:
    if args.action == "list":
        for name in REMOTE_SETS:
            state = "downloaded" if is_downloaded(name) else "not downloaded"
            print(f"{name:<14} {state:<15} {REMOTE_SETS.description(name)}")
        return 0
    if args.name is None:
        print(f"nnviz: data download: name one of {REMOTE_SETS.valid()}", file=sys.stderr)
        return 2
    title = REMOTE_SETS.get(args.name).title
    if is_downloaded(args.name):
        print(f"{title} is already in {dataset_folder(args.name)}")
        return 0
    progress = _Progress(title)
    try:
        folder = download(args.name, progress)
    except DownloadError as error:
        progress.end_line()
        print(f"nnviz: {error}", file=sys.stderr)
        return 1
    print(f"{title} downloaded and verified in {folder}")
    return 0


class _Progress:
    """Progress lines on stderr, at most every PROGRESS_S seconds, and the last one always."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.last = -float("inf")
        self.open = False  # a progress line waits for its end

    def end_line(self) -> None:
        if self.open:
            print(file=sys.stderr)
            self.open = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_S and done < total:
            return
        self.last = now
        self.open = done < total
        mb = 1e6
        print(
            f"\r{self.title}: {done / mb:.1f} of {total / mb:.1f} MB ({done / total:.0%})",
            end="\n" if done >= total else "",
            file=sys.stderr,
            flush=True,
        )

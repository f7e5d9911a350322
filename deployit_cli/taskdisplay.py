"""The live progress display of a running task in a terminal, drawn with rich below the finished steps' lines:

    ━━━━━━━━━━━━━━━━━━╸━━━━━━━━━━━━━━━━━━━━━━  2/5 steps  40%  0:00:12  1 failed
      Deploy Sample 1.0 on Dev › Execute hello on localhost

(the bar, steps done of total, percentage, elapsed time, failures in red; then the block and the step
running). It is redrawn at each poll and removed when the task stops. Imported only for a terminal, so
scripts and cron jobs never load rich.
"""

from __future__ import annotations

import time

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from . import colours


class LiveDisplay:
    def __init__(self, out, began: float | None = None):
        self.console = Console(file=out, highlight=False)
        self.began = time.monotonic() if began is None else began
        self.live: Live | None = None

    def start(self) -> None:
        self.live = Live(console=self.console, auto_refresh=False, transient=True, redirect_stdout=False,
                         redirect_stderr=False)
        self.live.start()

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def line(self, parts: list[tuple[str, str | None]]) -> None:
        """Print a line above the display: (text, state) pieces, each state's text in its colour."""
        text = Text()
        for piece, state in parts:
            text.append(piece, style=colours.style_of(state) or "")
        self.console.print(text, soft_wrap=True)

    def show(self, done: int, total: int, failed: int, block: str, step: str, more: int) -> None:
        if self.live is None:
            self.start()
        elapsed = int(time.monotonic() - self.began)
        figures = Text(f" {done}/{total} steps  {done * 100 // total if total else 100:>3}%  "
                       f"{elapsed // 3600}:{elapsed // 60 % 60:02}:{elapsed % 60:02}")
        if failed:
            figures.append(f"  {failed} failed", style="bold red")
        bar = Table.grid(padding=0)
        bar.add_column(width=min(40, max(10, self.console.width - len(figures.plain) - 2)))
        bar.add_column(no_wrap=True)
        bar.add_row(ProgressBar(total=total or 1, completed=done, complete_style="red" if failed else "green",
                                finished_style="red" if failed else "green"), figures)
        current = Text("  ")
        if block:
            current.append(block, style="dim")
            current.append(" › ", style="dim")
        current.append(step)
        if more:
            current.append(f" (and {more} more running)", style="dim")
        current.truncate(max(10, self.console.width - 1), overflow="ellipsis")
        self.live.update(Group(bar, current), refresh=True)

"""Progress display for long-running commands: shown on a terminal, silent otherwise."""

import sys


class Progress:
    """Call with (done, total) to redraw one status line on a terminal's stderr."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and total:
            percent = 100 * done // total
            self.stream.write(f"\r{self.label}: {done}/{total} ({percent} %)")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()

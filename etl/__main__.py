"""Entry point of `python -m etl`."""

import signal
import sys

from etl.cli import main

# `python -m etl progress ... | head` ends quietly when the reader closes the pipe
if hasattr(signal, "SIGPIPE"):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)

sys.exit(main())

"""Entry point of `python -m etl`."""

import logging
import os
import signal
import sys

from etl.cli import main

# `python -m etl progress ... | head` ends quietly when the reader closes the pipe
if hasattr(signal, "SIGPIPE"):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)

code = main()
# Leave without tearing the interpreter down: the command has closed what it opened (files, the
# store's connections; the parse worker ends when its pipe closes), and the teardown of pandas',
# pyarrow's and DuckDB's modules would add about 0.3 s to every command.
sys.stdout.flush()
sys.stderr.flush()
logging.shutdown()
os._exit(code)

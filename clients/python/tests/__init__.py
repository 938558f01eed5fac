"""Makes the tests importable as a package (`unittest discover -s ... -t ...`); modules here import their
neighbours (e.g. `support`) as top-level modules, so this folder goes on sys.path either way. The package under
test is the installed clip_worker, never the source folder (see support.py)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

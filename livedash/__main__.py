"""`python -m livedash` runs the same command line as the `livedash` script."""

from .cli import main

raise SystemExit(main())

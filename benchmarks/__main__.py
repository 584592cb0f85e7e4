"""`python -m benchmarks`: run every workload on every installed engine and print the ratios."""

import sys

from benchmarks.run import main

sys.exit(main())

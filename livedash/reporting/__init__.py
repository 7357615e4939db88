"""Reports: CSV, a self-contained HTML report and a JSON document of the rows in a time range.

A package of its own because the job has several parts a reader looks for separately (issue
14 split the 512-line reports.py by job); each module holds one:

- `download`: which files a request asks for, their names, types and chunks (the entry point:
  `build`), and the HTML report's own CSP;
- `gather`: reading the statistics (three statements at once, or the demo rows);
- `statistics`: merging the database's cells into summaries, exact percentiles by rank;
- `listing`: the HTML report's row listing, dealt to the user sections;
- `charts`: the HTML report's inline SVG charts;
- `document`: the JSON report;
- `figures`: the one formatter of figures (units, decimals, visible control characters);
- `streams`: CSV, zip and chunking, the guards that make a cut download fail visibly;
- `slots`: the bound on downloads streaming at once;
- `timeline`: the charts' time buckets.

The SQL is in livedash/queries/reports.py, as all SQL is in livedash/queries/.
"""

from .download import Download, ReportContext, build, default_end, file_stem, report_css_hash
from .slots import Busy, Holding, Slots

__all__ = ["Busy", "Download", "Holding", "ReportContext", "Slots", "build", "default_end",
           "file_stem", "report_css_hash"]

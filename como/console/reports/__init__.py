"""The console's reports: attribution side by side, the funnel and the VIN report, as pages
(:mod:`.views`) over tables (:mod:`.tables`) that the CSV exports write too."""

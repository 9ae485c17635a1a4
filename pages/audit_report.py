"""Report page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Report", "Here you will download the audit as a self-contained HTML report, metrics.json and shapes.csv.")

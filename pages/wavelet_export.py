"""Export page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Export", "Here you will download the learned filter bank, the distilled features and the report.")

"""Missing features page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Missing features", "Here you will test whether the black box probably saw features the audit data lacks.")

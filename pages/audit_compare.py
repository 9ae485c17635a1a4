"""Student vs outcome page (not built yet)."""

from ui.placeholder import not_built_yet

not_built_yet("Student vs outcome", "Here you will train the student and the outcome model and compare them feature by feature.")

"""Grading one notebook: what a hidden check may ask (contract), the pytest plugin that runs the checks (plugin), the
process that runs the student's cells (student_process, runner), the results it produces (results), and the
entry point every stage calls (grade.grade_notebook)."""

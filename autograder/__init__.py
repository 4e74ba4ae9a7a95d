"""The grading side of the course: hidden test suites per homework and the pipeline around nbgrader."""

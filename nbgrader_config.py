"""nbgrader configuration: the repository root is the course directory (`nbgrader ... hwN` works from here)."""

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dgm-course"
c.CourseDirectory.source_directory = "solutions"  # the instructor's master notebooks
c.CourseDirectory.release_directory = "homeworks"  # the student release, committed

# nbgrader's default is 30 s per cell; homework cells train small models for up to about a minute on a CPU.
c.Execute.timeout = 180
# A kernel that does not start within this many seconds counts as a failed submission, not a hung grader.
c.Execute.startup_timeout = 120

c.ClearSolutions.code_stub = {"python": "# TODO: your code here\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

"""nbgrader configuration: the repository root is the course directory (`nbgrader ... hwN` works from here)."""

try:
    from autograder import layout  # the one owner of the course's paths
    from autograder.grading.notebook import TEXT_STUB
    from autograder.grading.requirements import require_grader
except ImportError:  # nbgrader would otherwise fall back to its own folders, silently
    raise SystemExit("dgm-course: this course's package is not installed in the Python that runs nbgrader; from the "
                     "course directory: pip install -e '.[grader]'") from None
require_grader("nbgrader in this course")

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dgm-course"
c.CourseDirectory.source_directory = layout.SOURCE_DIRECTORY  # the instructor's master notebooks
c.CourseDirectory.release_directory = layout.RELEASE_DIRECTORY  # the student release, committed
c.CourseDirectory.submitted_directory = layout.SUBMITTED_DIRECTORY
c.CourseDirectory.feedback_directory = layout.FEEDBACK_DIRECTORY

# nbgrader's default is 30 s per cell; homework cells train small models for up to about a minute on a CPU.
c.Execute.timeout = 180
# A kernel that does not start within this many seconds counts as a failed submission, not a hung grader.
c.Execute.startup_timeout = 120

c.ClearSolutions.code_stub = {"python": "raise NotImplementedError()"}
c.ClearSolutions.text_stub = TEXT_STUB

# Scores come from the hidden suites in autograder/, computed outside the student's kernel
# (autograder/grading/plugin.py): TrustedAutograde takes the place of nbgrader's Execute preprocessor, so
# `nbgrader autograde hwN` and `dgm-grade autograde hwN` give the same points.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from autograder.pipeline.nbgrader_plugin import TrustedAutograde  # noqa: E402

c.Autograde.autograde_preprocessors = [
    TrustedAutograde,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# A deleted check cell comes back (scored) instead of breaking the batch (nbgrader#1941).
c.OverwriteCells.add_missing_cells = True

# Feedback pages have one writer: nbgrader's generate_feedback (formgrader's "Generate Feedback", `nbgrader
# generate_feedback` and `dgm-grade feedback` alike) renders feedback/<student>/<hw>/<hw>.html with this course's page
# (autograder/pipeline/reports.py), which release_feedback then releases to the exchange unchanged.
from autograder.pipeline.reports import FeedbackExporter  # noqa: E402

c.GenerateFeedback.exporter_class = FeedbackExporter
c.GenerateFeedback.preprocessors = []  # the page reads the gradebook and the stored results itself

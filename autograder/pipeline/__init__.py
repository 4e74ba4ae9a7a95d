"""The instructor's pipeline (dgm-grade): collect submissions, autograde them in parallel, record the gradebook, run
inside nbgrader's autograde, write feedback and reports; the demo class the README's main job grades."""

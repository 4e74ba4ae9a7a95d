"""The grader: hidden checks per homework and everything that runs them. Imports run one way, top to bottom:

    tools/      development: power of the checks over many seeds (calibrate, power, mutants), the benchmark
    pipeline/   the instructor's steps: collect, autograde, the gradebook, nbgrader's preprocessor, feedback, reports,
                the demo class (dgm-grade)
    grading/    grading one notebook: the check contract, the pytest plugin, the student's process and its runner,
                the results type
    sandbox/    isolation of the student's process: bubblewrap view, limits, users, control groups
    layout.py   where every file of the course lives (used by all of the above)
    hwN/        one homework's hidden checks and probes (they use grading/ only); its bug corpus (bugs.py) and
                attacks (hw1/adversarial.py) are data for the tests and tools/, built with pipeline/examples.py

THREATS.md says what the sandbox defends against.
"""

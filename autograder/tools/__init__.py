"""Development tools, not used in grading: the power of the checks over many secret seeds (calibrate, power,
mutants), the grading benchmark and its in-process variant."""

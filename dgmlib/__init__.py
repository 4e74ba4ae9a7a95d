"""dgmlib: the reference library of the Deep Generative Models course.

Data, the common model interface, training loops, plots, metrics and utilities that every homework and seminar
imports. It never contains the answer to a homework task.
"""

__version__ = "0.1.0"

"""A design run.

Its settings (``config``), the design/resume/refine API that builds the parts (``api``,
``refine``), the loop that only sequences them (``loop``), and the best so far (``best``).
"""

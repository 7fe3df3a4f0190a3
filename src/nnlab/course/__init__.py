"""The course-compatible API: the four programming assignments of *Neural Networks and Deep
Learning*, with their exact function names, signatures, defaults, return types and seeds.

- :mod:`nnlab.course.logistic`: week 2, logistic regression as a neural network.
- :mod:`nnlab.course.shallow`: week 3, planar data with one tanh hidden layer.
- :mod:`nnlab.course.deep`: week 4, building a deep network step by step.
- :mod:`nnlab.course.app`: week 4, the cat / non-cat application.

Every function is a thin adapter over :mod:`nnlab.engine`: no formula is written here. Inputs
are never modified, and NumPy's global random state is only read where the course itself reads
it (``shallow.initialize_parameters``).
"""

"""The course-compatible API: the four programming assignments of *Neural Networks and Deep
Learning*, with their exact function names, signatures, defaults, return types and seeds.

- :mod:`nnlab.course.logistic`: week 2, logistic regression as a neural network.
- :mod:`nnlab.course.shallow`: week 3, planar data with one tanh hidden layer.
- :mod:`nnlab.course.deep`: week 4, building a deep network step by step.
- :mod:`nnlab.course.app`: week 4, the cat / non-cat application.

And the sequel's (*Improving Deep Neural Networks*, weeks 1-2):

- :mod:`nnlab.course.initialization`: zeros, large random and He initialization.
- :mod:`nnlab.course.regularization`: L2 and inverted dropout on the football points.
- :mod:`nnlab.course.gradient_checking`: the 1-D and N-dimensional gradient checks.
- :mod:`nnlab.course.optimization`: mini-batches, momentum, Adam and learning-rate decay.

Every function is a thin adapter over :mod:`nnlab.engine`: no formula is written here; where the
sequel's numbers need the course's own order of operations, that order is in the façade, commented. Inputs
are never modified, and NumPy's global random state is only read where the course itself reads
it (``shallow.initialize_parameters``).
"""

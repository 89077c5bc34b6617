"""Commands of the ``audit`` command line, one module per topic."""

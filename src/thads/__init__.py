"""thads-reports: conference reports for Vietnam's civil judgment enforcement offices."""

__version__ = "0.1.0"

"""NVC Hub: a financial messaging hub and routing daemon."""

__version__ = "0.1.0"

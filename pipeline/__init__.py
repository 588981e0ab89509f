"""policymine: text mining of Chinese civil-affairs bureau reports."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("policymine")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

"""Extractors: document metadata, indicator mentions and policy themes."""

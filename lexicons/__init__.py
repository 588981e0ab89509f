"""The lexicons (YAML, one CSV) as package data, so that an installed policymine finds them.

Nothing to import here: `pipeline.lexicons` reads the files through `importlib.resources`.
"""

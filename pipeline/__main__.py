"""`python -m pipeline …` is the `policymine` command."""
from pipeline.cli import main

main(prog_name="policymine")

"""The domain: records and rules with no I/O."""

"""The generic checks, one module per law; :mod:`como.compliance.generic` registers them."""

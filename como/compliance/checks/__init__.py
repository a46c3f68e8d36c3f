"""The generic checks, one module per law; :mod:`como.compliance.generic` lists them."""

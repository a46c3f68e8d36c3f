"""Admin pages of inventory ads: each vehicle's ads and the breaches of the 48-hour rule
(:mod:`.ads`, also shown on the vehicle's page) and the creative template editor with its live
preview (:mod:`.editor`)."""

from . import ads, editor  # noqa: F401  (registers the pages)

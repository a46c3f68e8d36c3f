"""A co-op claim's package: the proof the OEM asks for, as a ZIP (see :mod:`.export`)."""

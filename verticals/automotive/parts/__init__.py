"""The parts and accessories catalog: items with their fitment (make, model, model years),
imported from a CSV and read by the cross-sell program (``..programs.parts``)."""

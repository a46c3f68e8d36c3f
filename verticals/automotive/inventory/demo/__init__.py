"""The automotive vertical's part of the demo: Lakeside Auto Group's rooftops, their feed files
in two layouts, imported through the real import path, and a beat task that keeps them moving
(:mod:`.services`); the files themselves are made and changed by :mod:`.feeds`."""

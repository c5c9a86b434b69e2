"""One module per published list format; each parses a file into ``ParsedSource``.

``parse(path)`` detects the format from the file itself (not only its name) and dispatches.
"""

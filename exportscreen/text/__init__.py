"""Text facts every room shares: country names and codes, and ASCII folding."""

"""HTTP surfaces: one Flask blueprint per surface; views parse the request, call down, and return."""

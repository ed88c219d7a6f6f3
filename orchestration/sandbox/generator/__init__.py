"""Deterministic generation of a Lever account from a seed: catalog, people, and lazily their children."""

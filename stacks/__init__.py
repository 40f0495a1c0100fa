"""Thin stacks: compose constructs, wire grants, emit outputs."""

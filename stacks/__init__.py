"""Thin stacks (compose constructs, wire grants, emit outputs) and the per-kind builders (stacks/kinds/)."""

"""Nodes of the corridor network: terminals, borders and ports."""

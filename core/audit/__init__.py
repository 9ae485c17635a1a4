"""Distill-and-Compare audit of a black-box risk score."""

"""Adaptive Wavelet Distillation of a neural network."""

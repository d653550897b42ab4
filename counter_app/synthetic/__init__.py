"""Synthetic data: the demo commune, and years of a busy commune's dossiers for trials and benchmarks."""

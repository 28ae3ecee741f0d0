"""Runnable comparisons of shapiq-spex against shapiq's approximators (not shipped)."""

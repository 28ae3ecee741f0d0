"""SPEX's query design, peeling decoder and sparse Fourier transform."""

from .design import DesignPlan, SubsamplingDesign, minimum_budget, plan_design
from .transform import TransformResult, sparse_fourier_transform

__all__ = [
    "DesignPlan",
    "SubsamplingDesign",
    "TransformResult",
    "minimum_budget",
    "plan_design",
    "sparse_fourier_transform",
]

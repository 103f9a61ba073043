"""Random geometry on the unit sphere shared by the vector and retrieval generators."""

from __future__ import annotations

import torch


def normalize(x: torch.Tensor) -> torch.Tensor:
    """Scale every row (last dimension) to unit L2 norm."""
    return torch.nn.functional.normalize(x, dim=-1)


def random_unit(n: int, dim: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` points drawn uniformly on the unit sphere of ``R^dim``."""
    return normalize(torch.randn(n, dim, generator=generator))


def tangent_part(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The component of ``v`` orthogonal to the unit rows ``x`` (projection onto the tangent space)."""
    return v - (v * x).sum(-1, keepdim=True) * x


def random_tangent(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A random unit tangent direction at each unit row of ``x``."""
    return normalize(tangent_part(torch.randn(x.shape, generator=generator), x))


def isotropic_noise(shape: tuple[int, ...], scale: float, generator: torch.Generator) -> torch.Tensor:
    """Gaussian noise whose expected L2 norm per row is about ``scale`` (std ``scale / sqrt(dim)``)."""
    return torch.randn(shape, generator=generator) * (scale / shape[-1] ** 0.5)


def random_rotation(dim: int, angle: float, generator: torch.Generator) -> torch.Tensor:
    """An orthogonal matrix turning every vector by ``angle`` radians (``dim`` even).

    It rotates by ``angle`` in ``dim / 2`` mutually orthogonal random planes, so
    ``cos(x, R x) = cos(angle)`` for every ``x``.
    """
    if dim % 2:
        raise ValueError(f"random_rotation needs an even dim, got {dim}")
    basis, _ = torch.linalg.qr(torch.randn(dim, dim, generator=generator))
    block = torch.zeros(dim, dim)
    cos, sin = torch.cos(torch.tensor(angle)), torch.sin(torch.tensor(angle))
    for i in range(0, dim, 2):
        block[i, i], block[i, i + 1], block[i + 1, i], block[i + 1, i + 1] = cos, -sin, sin, cos
    return basis @ block @ basis.T


def orthonormal_embedding(latent_dim: int, dim: int, generator: torch.Generator) -> torch.Tensor:
    """A random [latent_dim, dim] matrix with orthonormal rows: ``z @ E`` keeps norms and cosines.

    Generators walk in a small latent space and embed it into ``dim``, so the vectors fill a
    low-dimensional subspace the way real sentence embeddings crowd into a narrow cone (dense
    retrieval pools).
    """
    if latent_dim > dim:
        raise ValueError(f"latent_dim ({latent_dim}) must not exceed dim ({dim})")
    return torch.linalg.qr(torch.randn(dim, latent_dim, generator=generator)).Q.T

"""The operator's limits on the command line: the same checks as the API, as usage errors.

``--min-pixels``/``--max-pixels`` are checked against each other and against
``DOCPARSE_MAX_MODEL_PIXELS`` before anything runs (exit 2 naming the option and the limit);
the render limits (``DOCPARSE_MAX_MODEL_PIXELS``, ``DOCPARSE_MAX_PAGE_PIXELS``,
``DOCPARSE_MAX_PAGE_CONTENT_BYTES``, ``DOCPARSE_RENDER_TIMEOUT_S``) go with every document.
"""

from __future__ import annotations

from typing import Any

import typer

from docparse.render import InvalidPixelBudget, RenderLimits, check_pixel_budget


def render_limits() -> RenderLimits:
    """The render limits from the environment (``DOCPARSE_...``; see :class:`RenderSettings`)."""
    from docparse.render.settings import RenderSettings

    return RenderSettings().limits()


def check_budget(limits: RenderLimits, **options: Any) -> None:
    """Resolve the engine options given (``None``: the configured value) and check the pixel
    budget they amount to; a :class:`typer.BadParameter` (exit 2) naming the option otherwise."""
    from docparse.engines.settings import EngineSettings
    from docparse.identity import resolve

    given = {k: v for k, v in options.items() if v is not None}
    try:
        resolved = resolve(EngineSettings().model_copy(update=given))
        check_pixel_budget(resolved.min_pixels, resolved.max_pixels, limits)
    except InvalidPixelBudget as exc:
        raise typer.BadParameter(str(exc), param_hint=f"--{exc.option.replace('_', '-')}") from None
    except KeyError as exc:  # an unknown model preset
        raise typer.BadParameter(str(exc.args[0] if exc.args else exc), param_hint="--model-spec") from None

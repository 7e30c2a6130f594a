"""docparse's HTTP API (FastAPI): upload -> store -> enqueue -> ``202``; status, pages, exports.

::

    from docparse.api import create_app, serve
    app = create_app(services, settings)   # any ASGI server
    serve("127.0.0.1", 8000)               # uvicorn, plus a local worker when no broker is set

See :mod:`docparse.api.app` for the routes, :mod:`docparse.api.server` for the embedded mode.
The API process never loads a model (no torch, transformers or ``docparse.pipeline``).
"""

from docparse.api.app import create_app
from docparse.api.server import serve
from docparse.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app", "serve"]

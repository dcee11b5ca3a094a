import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
application = get_wsgi_application()


def freeze_loaded() -> None:
    """Load every view module (the URL patterns), then move everything loaded so far out of the garbage collector's
    sight (`gc.freeze`): Django, the apps and their modules live as long as the process, yet each full collection
    walked all of them (about 215,000 objects, 90–150 ms, once or twice per ten dashboard visits: docs/scale.md).
    Called here, before gunicorn forks its workers, so they also share those pages instead of copying them when the
    collector touches them."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import of every app's views
    gc.collect()
    gc.freeze()


freeze_loaded()
